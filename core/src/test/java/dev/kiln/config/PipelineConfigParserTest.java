package dev.kiln.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.ConfigProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigParserTest {

  @TempDir
  Path dir;

  private static final String VALID = """
      pipeline.name = churn
      source { format = parquet, path = "/data/churn" }
      features { label = churned, numeric = [age], categorical = [country] }
      """;

  @Test
  void aValidConfigParsesWithDefaults() throws IOException {
    PipelineConfigParser.Result result = parse(VALID);
    assertTrue(result.ok(), result.problems().toString());
    PipelineConfig config = result.config();
    assertEquals("churn", config.model().name(), "the model is named after the pipeline by default");
    assertEquals("file:/data/churn", config.source().path().orElseThrow());
    assertEquals(List.of("age", "country", "churned"), config.features().allColumns());
    assertEquals(64, config.hash().length());
    assertTrue(config.registry().root().startsWith("file:/"), config.registry().root());
  }

  @Test
  void everyProblemIsReportedWithItsFileAndLine() throws IOException {
    PipelineConfigParser.Result result = parse("""
        pipeline.name = churn
        source { format = parquet, path = "/data/churn" }
        sample.fration = 0.5
        sample.seed = "not a number"
        features { numeric = [age] }
        model.algorithm = catboost
        """);
    List<String> lines = result.problems().stream().map(ConfigProblem::toString).toList();
    assertEquals(4, lines.size(), lines.toString());
    Path file = dir.resolve("pipeline.conf");
    assertTrue(lines.contains(file + ":3: sample.fration: unknown key (did you mean sample.fraction?)"),
        lines.toString());
    assertTrue(lines.contains(file + ":4: sample.seed: expected a whole number but found 'not a number'"),
        lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(file + ":5: features.label: is required")),
        "an unset key points at the section that should hold it: " + lines);
    assertTrue(lines.contains(file + ":6: model.algorithm: 'catboost' is not one of logistic-regression, "
        + "linear-regression, decision-tree, random-forest, gbt, linear-svm, naive-bayes, mlp, xgboost, lightgbm"),
        lines.toString());
  }

  @Test
  void scoringAndRetrainingHaveDefaultsAndChecks() throws IOException {
    PipelineConfig config = parse(VALID).config();
    assertEquals("churn@champion", config.scoring().model());
    assertEquals("file:/data/churn", config.scoring().input().orElseThrow(), "the source is scored by default");
    assertTrue(config.scoring().output().endsWith("/pipelines/churn/scores"), config.scoring().output());
    assertEquals("since-champion", config.retraining().data());
    assertEquals("champion", config.retraining().alias());

    PipelineConfigParser.Result bad = parse(VALID + """
        scoring.model = "churn@"
        retraining { data = yesterday, margin = -1, alias = "7up" }
        source.after-version = 3
        """);
    String all = bad.problems().toString();
    assertEquals(5, bad.problems().size(), all);
    assertTrue(all.contains("scoring.model:"), all);
    assertTrue(all.contains("retraining.data: 'yesterday' is not one of since-champion, all"), all);
    assertTrue(all.contains("retraining.margin: -1.0 is out of range"), all);
    assertTrue(all.contains("retraining.alias: '7up' is not a valid alias"), all);
    assertTrue(all.contains("source.after-version: applies to delta sources only, not parquet"), all);
  }

  @Test
  void partitionsAreANumberOrAutoAndCheckpointsGoUnderTheWarehouse() throws IOException {
    PipelineConfig fixed = parse(VALID).config();
    assertEquals(java.util.OptionalInt.of(8), fixed.spark().partitions(), "the default: the same on any layout");
    assertEquals(fixed.warehouse() + "/checkpoints", fixed.spark().checkpointDir());

    PipelineConfig auto = parse(VALID + """
        spark { partitions = auto, checkpoint-dir = "/shared/kiln-checkpoints" }
        """).config();
    assertTrue(auto.spark().partitions().isEmpty(), "auto: sized when the rows are prepared");
    assertEquals("file:/shared/kiln-checkpoints", auto.spark().checkpointDir());

    PipelineConfigParser.Result bad = parse(VALID + """
        spark.partitions = lots
        """);
    assertEquals(List.of("spark.partitions: expected a whole number or auto but found 'lots'"),
        bad.problems().stream().map(p -> p.key() + ": " + p.message()).toList());
  }

  @Test
  void rangesAndRulesAreChecked() throws IOException {
    PipelineConfigParser.Result result = parse(VALID + """
        sample.fraction = 1.5
        evaluation.test-fraction = 0
        clean.dedup.key = [customer_id]
        features.categorical = [age]
        pipeline.name = "../escape"
        spark.partitions = 2.5
        """);
    String all = result.problems().toString();
    assertEquals(6, result.problems().size(), all);
    assertTrue(all.contains("sample.fraction: 1.5 is out of range"), all);
    assertTrue(all.contains("evaluation.test-fraction: 0.0 is out of range"), all);
    assertTrue(all.contains("needs clean.dedup.latest-by"), all);
    assertTrue(all.contains("column 'age' is listed twice"), all);
    assertTrue(all.contains("'../escape' must be letters"), all);
    assertTrue(all.contains("spark.partitions: expected a whole number but found 2.5"), all);
  }

  @Test
  void evaluationSplitsAreChecked() throws IOException {
    PipelineConfigParser.Result time = parse(VALID + """
        evaluation { split = time, split-by = [customer_id] }
        """);
    String all = time.problems().toString();
    assertEquals(2, time.problems().size(), all);
    assertTrue(all.contains("evaluation.time-column: is required for evaluation.split = time"), all);
    assertTrue(all.contains("evaluation.split-by: does not apply to evaluation.split = time"), all);

    PipelineConfigParser.Result misplaced = parse(VALID + """
        evaluation { split = stratified, time-column = signup, test-from = "June" }
        model.task = regression
        contract.columns.signup.type = string
        """);
    all = misplaced.problems().toString();
    assertEquals(4, misplaced.problems().size(), all);
    assertTrue(all.contains("evaluation.test-from: 'June' is not a date"), all);
    assertTrue(all.contains("evaluation.time-column: applies to evaluation.split = time only, not stratified"), all);
    assertTrue(all.contains("evaluation.test-from: applies to evaluation.split = time only"), all);
    assertTrue(all.contains("evaluation.split: stratified keeps each label class's share; a regression label"), all);

    PipelineConfigParser.Result typed = parse(VALID + """
        evaluation { split = time, time-column = signup }
        contract.columns.signup.type = string
        """);
    assertEquals(List.of("evaluation.time-column"), typed.problems().stream().map(ConfigProblem::key).toList());
    assertTrue(typed.problems().get(0).message().contains("'signup' is string in the contract; a time split needs "
        + "a date or timestamp column"), typed.problems().toString());

    PipelineConfigParser.Result good = parse(VALID + """
        evaluation { split = time, time-column = signup, test-from = "2024-06-01" }
        contract.columns.signup.type = date
        """);
    assertTrue(good.ok(), good.problems().toString());
    assertEquals(new PipelineConfig.EvaluationConfig(0.2, List.of(), 42, "time", java.util.Optional.of("signup"),
        java.util.Optional.of(java.time.Instant.parse("2024-06-01T00:00:00Z"))), good.config().evaluation());
    assertEquals("random", parse(VALID).config().evaluation().split(), "the default");
  }

  @Test
  void openSectionsAcceptAnyKey() throws IOException {
    PipelineConfigParser.Result result = parse(VALID + """
        source.options { header = true, "dateFormat" = "yyyy-MM-dd" }
        model.params { maxIter = 5 }
        spark.conf { "spark.sql.adaptive.enabled" = false, spark.executor.memory = 2g }
        """);
    assertTrue(result.ok(), result.problems().toString());
    assertEquals(Map.of("header", "true", "dateFormat", "yyyy-MM-dd"), result.config().source().options());
    assertEquals(Map.of("spark.sql.adaptive.enabled", "false", "spark.executor.memory", "2g"),
        result.config().spark().conf());
  }

  @Test
  void secretsNeverReachTheRenderedConfig() throws IOException {
    PipelineConfigParser.Result result = parse(VALID + """
        spark.conf { "spark.hadoop.fs.s3a.secret.key" = "hunter2-very-secret" }
        """);
    assertTrue(result.ok(), result.problems().toString());
    assertFalse(result.config().renderedText().contains("hunter2"), result.config().renderedText());
    assertTrue(result.config().renderedText().contains("<redacted>"));
    assertEquals("hunter2-very-secret", result.config().spark().conf().get("spark.hadoop.fs.s3a.secret.key"),
        "Spark itself still gets the secret");
    assertTrue(PipelineConfigParser.isSecretKey("spark.conf.\"spark.hadoop.fs.s3a.access.key\""));
    assertFalse(PipelineConfigParser.isSecretKey("spark.conf.\"spark.hadoop.fs.s3a.aws.credentials.provider\""),
        "a provider is a class name");
    assertTrue(PipelineConfigParser.isSecretKey("spark.conf.\"spark.hadoop.fs.s3a.aws.credentials\""));
  }

  @Test
  void distanceFindsTypos() {
    assertEquals(1, ConfigReader.distance("sample.fraction", "sample.fration"));
    assertEquals(0, ConfigReader.distance("a", "a"));
  }

  @Test
  void samplingStrategiesWindowsAndJdbcSourcesParse() throws IOException {
    PipelineConfigParser.Result result = parse("""
        pipeline.name = orders
        source {
          format = jdbc
          jdbc { url = "jdbc:postgresql://127.0.0.1:5432/shop", table = public.orders, user = kiln,
                 password = ${DB_PASSWORD}, partitions = 8 }
        }
        sample {
          strategy = stratified
          stratified { column = region, counts { EU = 1000, "*" = 200 } }
          window { column = ordered_at, last = 90d, end = "2026-11-01" }
          blocks = true
          output.format = avro
        }
        features { label = churned, numeric = [amount] }
        """, Map.of("DB_PASSWORD", "s3cr3t"));
    assertTrue(result.ok(), result.problems().toString());
    PipelineConfig.JdbcConfig jdbc = result.config().source().jdbc();
    assertEquals("s3cr3t", jdbc.password().orElseThrow().reveal());
    assertFalse(jdbc.toString().contains("s3cr3t"), "a Secret prints as <redacted>: " + jdbc);
    assertFalse(result.config().renderedText().contains("s3cr3t"));
    assertEquals(8, jdbc.partitions());
    PipelineConfig.SampleConfig sample = result.config().sample();
    assertEquals(Map.of("EU", 1000L, "*", 200L), sample.strataCounts());
    assertEquals(java.time.Duration.ofDays(90), sample.window().orElseThrow().last());
    assertEquals(java.time.Instant.parse("2026-11-01T00:00:00Z"), sample.window().orElseThrow().end().orElseThrow());
    assertEquals("avro", sample.outputFormat());
    assertTrue(sample.blocks());
  }

  @Test
  void passwordsInsideUrlsAreRedactedWhenTheConfigIsRendered() throws IOException {
    String rendered = parse("""
        pipeline.name = orders
        source { format = jdbc, jdbc { url = "jdbc:postgresql://db:5432/shop?user=a&password=hunter2&ssl=true",
                                       table = t } }
        warehouse = "s3a://key:s3cr3t@bucket/kiln"
        features { label = churned, numeric = [amount] }
        """).config().renderedText();
    assertFalse(rendered.contains("hunter2") || rendered.contains("s3cr3t"), rendered);
    assertTrue(rendered.contains("jdbc:postgresql://db:5432/shop?user=a&password=<redacted>&ssl=true"), rendered);
    assertTrue(rendered.contains("s3a://key:<redacted>@bucket/kiln"), rendered);
  }

  @Test
  void inconsistentSamplingSettingsAreEachReported() throws IOException {
    PipelineConfigParser.Result result = parse("""
        pipeline.name = orders
        source { format = jdbc, jdbc { url = "postgresql://db/shop", table = t, query = "SELECT 1" } }
        sample { strategy = fixed, window.last = 90d, stratified.counts { a = -1 } }
        features { label = churned, numeric = [amount] }
        """);
    List<String> messages = result.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
    assertTrue(messages.contains("source.jdbc.url: must start with jdbc: (e.g. jdbc:postgresql://host:5432/db)"),
        messages.toString());
    assertTrue(messages.contains("source.jdbc.query: set exactly one of source.jdbc.table and source.jdbc.query"),
        messages.toString());
    assertTrue(messages.contains(
        "sample.size: is required for sample.strategy = fixed: the number of rows to keep"), messages.toString());
    assertTrue(messages.contains("sample.window.column: a time window needs both sample.window.column and "
        + "sample.window.last (e.g. 90d)"), messages.toString());
    assertTrue(messages.contains("sample.stratified.counts.a: -1 is out of range: 0 or more rows"),
        messages.toString());
    assertTrue(messages.contains("sample.stratified: applies to sample.strategy = stratified only, not fixed"),
        messages.toString());
  }

  @Test
  void theModelSectionParsesItsSearchEarlyStoppingWeightsAndLayers() throws IOException {
    PipelineConfigParser.Result result = parse(VALID + """
        model {
          algorithm = mlp
          params { maxIter = 50, thresholds = [0.3, 0.7] }
          hidden-layers = [16, 8]
          class-weights = balanced
          tuning {
            method = random
            validation = train-validation-split
            trials = 4
            metric = log_loss
            grid { stepSize { min = 0.001, max = 0.5, scale = log }, blockSize = [64, 128] }
          }
          early-stopping { enabled = true, validation-fraction = 0.2 }
        }
        """);
    assertTrue(result.ok(), result.problems().toString());
    PipelineConfig.ModelConfig model = result.config().model();
    assertEquals(Map.of("maxIter", "50", "thresholds", "0.3,0.7"), model.params(),
        "array parameters may be written as lists");
    assertEquals(List.of(16, 8), model.hiddenLayers());
    assertTrue(model.balanced());
    PipelineConfig.TuningConfig tuning = model.tuning();
    assertEquals("random", tuning.method());
    assertEquals("train-validation-split", tuning.validation());
    assertEquals(4, tuning.trials());
    assertEquals(3, tuning.folds(), "defaults fill what is not set");
    assertEquals("log_loss", tuning.metric());
    assertEquals(new PipelineConfig.ParamRange(0.001, 0.5, true), tuning.space().get("stepSize").range().get());
    assertEquals(List.of("64", "128"), tuning.space().get("blockSize").values());
    assertEquals(new PipelineConfig.EarlyStoppingConfig(true, 0.2, 42), model.earlyStopping());
  }

  @Test
  void modelDefaultsLeaveEveryExtraOff() throws IOException {
    PipelineConfig.ModelConfig model = parse(VALID).config().model();
    assertEquals(List.of(), model.hiddenLayers());
    assertEquals("none", model.classWeights());
    assertEquals(PipelineConfig.TuningConfig.NONE, model.tuning());
    assertEquals(PipelineConfig.EarlyStoppingConfig.OFF, model.earlyStopping());
  }

  @Test
  void badModelSettingsAreEachReportedWithTheirKey() throws IOException {
    PipelineConfigParser.Result result = parse(VALID + """
        model {
          hidden-layers = [16, zero]
          class-weights = inverse
          tuning {
            method = grid
            folds = 1
            metric = auc
            grid { regParam { min = 0, max = 1 }, maxIter = [] }
          }
          early-stopping.validation-fraction = 0.7
        }
        """);
    List<String> messages = result.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
    assertEquals(7, messages.size(), messages.toString());
    assertTrue(messages.contains("model.hidden-layers: 'zero' is not a layer size: whole numbers of 1 or more, "
        + "such as [16, 8]"), messages.toString());
    assertTrue(messages.contains("model.class-weights: 'inverse' is not one of none, balanced"), messages.toString());
    assertTrue(messages.contains("model.tuning.folds: 1 is out of range: 2 to 20 folds"), messages.toString());
    assertTrue(messages.stream().anyMatch(m -> m.startsWith("model.tuning.metric: 'auc' is not one of auto, ")),
        messages.toString());
    assertTrue(messages.contains("model.tuning.grid.regParam: a range { min, max } needs model.tuning.method = "
        + "random; a grid lists its values: regParam = [...]"), messages.toString());
    assertTrue(messages.contains("model.tuning.grid.maxIter: lists no values to try"), messages.toString());
    assertTrue(messages.contains("model.early-stopping.validation-fraction: 0.7 is out of range: a fraction in "
        + "(0, 0.5)"), messages.toString());
  }

  private PipelineConfigParser.Result parse(String text) throws IOException {
    return parse(text, Map.of());
  }

  private PipelineConfigParser.Result parse(String text, Map<String, String> environment) throws IOException {
    Path file = dir.resolve("pipeline.conf");
    Files.writeString(file, text);
    return PipelineConfigParser.parse(ConfigLayers.load(file, environment, List.of()));
  }

  @Test
  void renamedAndDerivedColumnsMustBeUsableNamesAndExpressions() throws IOException {
    PipelineConfigParser.Result result = parse(VALID + """
        source.rename { "Body Mass (g)" = "body mass" }
        source.derive { delayed = "cast(delay > as int)", heavy = "body_mass_g > 4000" }
        """);
    List<String> messages = result.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
    assertEquals(2, messages.size(), messages.toString());
    assertTrue(messages.get(0).startsWith("source.rename: 'body mass' is not a usable column name"), messages.get(0));
    assertTrue(messages.get(1).startsWith("source.derive.delayed: 'cast(delay > as int)' is not a Spark SQL "
        + "expression"), messages.get(1));
    assertEquals(Map.of("Body Mass (g)", "body mass"), result.config().source().rename());
  }

  @Test
  void monitoringHasDefaultsAndEachBadSettingIsReportedWithItsKey() throws IOException {
    assertEquals(PipelineConfig.MonitoringConfig.DEFAULTS, parse(VALID).config().monitoring());
    PipelineConfigParser.Result result = parse(VALID + """
        monitoring {
          window-days = 0
          psi-threshold = -1
          ks-threshold = 1.5
          output = "/lake/monitoring/churn"
          null-rate-change-treshold = 0.3
          labels { id-column = customer_id }
        }
        """);
    List<String> messages = result.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
    assertEquals(List.of("monitoring.null-rate-change-treshold: unknown key (did you mean "
            + "monitoring.null-rate-change-threshold?)",
        "monitoring.window-days: 0 is out of range: 1 to 366 days",
        "monitoring.psi-threshold: -1.0 is out of range: a positive PSI, e.g. 0.2",
        "monitoring.ks-threshold: 1.5 is out of range: a KS statistic in (0, 1), e.g. 0.2"), messages);
    assertEquals(java.util.Optional.of("file:/lake/monitoring/churn"), result.config().monitoring().output());
    assertEquals(java.util.Optional.of("customer_id"), result.config().monitoring().labelsIdColumn());
  }
}

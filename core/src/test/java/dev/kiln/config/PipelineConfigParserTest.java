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
        model.algorithm = xgboost
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
    assertTrue(lines.contains(file + ":6: model.algorithm: 'xgboost' is not one of logistic-regression, gbt"),
        lines.toString());
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

  private PipelineConfigParser.Result parse(String text) throws IOException {
    Path file = dir.resolve("pipeline.conf");
    Files.writeString(file, text);
    return PipelineConfigParser.parse(ConfigLayers.load(file, Map.of(), List.of()));
  }
}

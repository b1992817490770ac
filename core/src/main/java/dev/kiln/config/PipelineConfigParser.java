package dev.kiln.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.kiln.config.PipelineConfig.CleanConfig;
import dev.kiln.config.PipelineConfig.ContractConfig;
import dev.kiln.config.PipelineConfig.EvaluationConfig;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.GeneratedConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.config.PipelineConfig.RegistryConfig;
import dev.kiln.config.PipelineConfig.SampleConfig;
import dev.kiln.config.PipelineConfig.SourceConfig;
import dev.kiln.config.PipelineConfig.SparkConfig;
import dev.kiln.config.PipelineConfig.JdbcConfig;
import dev.kiln.config.PipelineConfig.OutlierConfig;
import dev.kiln.config.PipelineConfig.WindowConfig;
import dev.kiln.errors.ConfigProblem;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds a {@link PipelineConfig} from a resolved config. Structural checks only — unknown keys, types, ranges,
 * required keys, allowed values; checks that need the data (does the source exist, has it the label column) are the
 * preflight's, which adds its problems to these so the user sees one list.
 */
public final class PipelineConfigParser {

  public static final List<String> FORMATS =
      List.of("parquet", "csv", "json", "orc", "avro", "delta", "jdbc", "generated");
  public static final List<String> OUTLIER_METHODS = List.of("none", "iqr", "zscore", "percentile");
  public static final List<String> OUTLIER_ACTIONS = List.of("clip", "flag", "drop");
  public static final List<String> SAMPLE_STRATEGIES = List.of("bernoulli", "fixed", "stratified");
  public static final List<String> OUTPUT_FORMATS = List.of("delta", "parquet", "avro");
  public static final List<String> JDBC_PUSHDOWNS = List.of("auto", "tablesample", "hash", "none");
  /** {@code model.task}: {@code auto} lets the label decide (see {@code dev.kiln.train.Task}). */
  public static final List<String> TASKS = List.of("auto", "binary", "multiclass", "regression");
  /** {@code model.algorithm}: the same names as {@code dev.kiln.train.Algorithm}'s. */
  public static final List<String> ALGORITHMS = List.of("logistic-regression", "linear-regression", "decision-tree",
      "random-forest", "gbt", "linear-svm", "naive-bayes", "mlp", "xgboost", "lightgbm");
  public static final List<String> CLASS_WEIGHTS = List.of("none", "balanced");
  public static final List<String> TUNING_METHODS = List.of("none", "grid", "random");
  public static final List<String> TUNING_VALIDATIONS = List.of("cross-validation", "train-validation-split");
  /** {@code model.tuning.metric}: {@code auto} is the task's default (auc_roc, f1, rmse). */
  public static final List<String> TUNING_METRICS = List.of("auto", "auc_roc", "auc_pr", "accuracy", "f1",
      "log_loss", "rmse", "mae", "r2");
  public static final List<String> IMPUTE_STRATEGIES = List.of("mean", "median", "mode");

  /**
   * Keys whose values never leave the process: redacted in the rendered config, summaries and the registry. Keys
   * ending in {@code .provider} name a class (e.g. {@code fs.s3a.aws.credentials.provider}), not a secret.
   */
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i)(?!.*\\.provider\"?$)"
          + ".*(secret|password|passwd|token|credential|access\\.key|session\\.key).*");

  /** Passwords inside URL-like values: {@code ?password=s&}, {@code ;password=s;}, and {@code //user:s@host}. */
  private static final List<Pattern> URL_SECRETS = List.of(
      Pattern.compile("(?i)([?&;](?:password|passwd|pwd|secret|token)=)[^&;\\s]*()"),
      Pattern.compile("(//[^/:@\\s]+:)[^/@\\s]+(@)"));

  /**
   * The outcome. {@code config} is always there so later checks can add their problems to these, but it is valid
   * only when {@code problems} is empty: a key with a problem holds a placeholder (NaN, 0, an empty string).
   */
  public record Result(PipelineConfig config, List<ConfigProblem> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  private PipelineConfigParser() {}

  public static Result parse(Config config) {
    ConfigReader in = new ConfigReader(config);

    String warehouse = HadoopPaths.qualify(in.requiredString("warehouse", "where Kiln writes its outputs"));
    String name = in.requiredString("pipeline.name", "names the pipeline and its model");
    checkName(in, "pipeline.name", name);

    String format = in.oneOf("source.format", FORMATS);
    Optional<String> path = in.optionalString("source.path").map(HadoopPaths::qualify);
    if (path.isEmpty() && !List.of("generated", "jdbc").contains(format)) {
      in.problem("source.path", "is required for source.format = " + format);
    }
    Map<String, String> options = in.stringMap("source.options");
    GeneratedConfig generated = new GeneratedConfig(
        in.integer("source.generated.rows", r -> r >= 1_000 && r <= 100_000_000L, "1,000 to 100,000,000 rows"),
        in.integer("source.generated.seed", s -> true, ""));
    Optional<Long> version = in.optionalInteger("source.version", v -> v >= 0, "a Delta table version, 0 or more");
    Optional<java.time.Instant> timestamp = in.optionalInstant("source.timestamp");
    if (version.isPresent() && !List.of("delta", "generated").contains(format)) {
      in.problem("source.version", "applies to delta sources only, not " + format);
    }
    if (timestamp.isPresent() && !"delta".equals(format)) {
      in.problem("source.timestamp", "applies to delta sources only, not " + format);
    }
    if (version.isPresent() && timestamp.isPresent()) {
      in.problem("source.timestamp", "pin a Delta table by version or by timestamp, not both");
    }
    Optional<Long> afterVersion = in.optionalInteger("source.after-version", v -> v >= 0,
        "a Delta table version, 0 or more");
    if (afterVersion.isPresent() && !"delta".equals(format)) {
      in.problem("source.after-version", "applies to delta sources only, not " + format);
    }
    if (afterVersion.isPresent() && version.isPresent() && afterVersion.get() >= version.get()) {
      in.problem("source.after-version", "must be below source.version (" + version.get() + ")");
    }
    Map<String, String> rename = in.stringMap("source.rename");
    rename.forEach((from, to) -> checkColumnName(in, "source.rename", to));
    Map<String, String> derive = in.stringMap("source.derive");
    derive.forEach((column, expression) -> {
      checkColumnName(in, "source.derive", column);
      checkExpression(in, "source.derive", column, expression);
    });
    SourceConfig source = new SourceConfig(format, path, options, generated, version, timestamp,
        jdbc(in, "jdbc".equals(format)), rename, derive, afterVersion);
    if ("jdbc".equals(format) && path.isPresent()) {
      in.problem("source.path", "does not apply to jdbc sources: set source.jdbc.url and source.jdbc.table");
    }

    SampleConfig sample = sample(in, config);

    List<String> dedupKey = in.stringList("clean.dedup.key");
    Optional<String> latestBy = in.optionalString("clean.dedup.latest-by");
    if (!dedupKey.isEmpty() && latestBy.isEmpty()) {
      in.problem("clean.dedup.key", "needs clean.dedup.latest-by: the column that says which record is newest");
    }
    CleanConfig clean = new CleanConfig(in.bool("clean.dedup.exact"), dedupKey, latestBy, canonicalize(in, config),
        nearDuplicates(in));
    ContractConfig contract = contract(in, config);

    String label = in.requiredString("features.label", "the column the model learns to predict");
    List<String> numeric = in.stringList("features.numeric");
    List<String> categorical = in.stringList("features.categorical");
    Set<String> seen = new HashSet<>();
    for (String column : concat(numeric, categorical)) {
      String key = numeric.contains(column) && !seen.contains(column) ? "features.numeric" : "features.categorical";
      if (!seen.add(column)) {
        in.problem(key, "column '" + column + "' is listed twice");
      }
      if (column.equals(label)) {
        in.problem(key, "the label '" + label + "' cannot also be a feature");
      }
    }
    List<String> imputeBy = in.stringList("features.impute-by");
    for (String column : imputeBy) {
      if (numeric.contains(column)) {
        in.problem("features.impute-by", "'" + column + "' is a numeric feature being imputed; group by another column");
      }
    }
    boolean indicators = in.bool("features.missing-indicators");
    if ("mode".equals(config.hasPath("features.impute") ? config.getString("features.impute") : "")
        && (!imputeBy.isEmpty() || indicators)) {
      in.problem("features.impute", "mode is not available with features.impute-by or features.missing-indicators: "
          + "use mean or median");
    }
    String outlierMethod = in.oneOf("features.outliers.method", OUTLIER_METHODS);
    double lower = in.number("features.outliers.lower", q -> q >= 0 && q < 0.5, "a quantile in [0, 0.5)");
    double upper = in.number("features.outliers.upper", q -> q > 0.5 && q <= 1, "a quantile in (0.5, 1]");
    OutlierConfig outliers = new OutlierConfig(outlierMethod, in.oneOf("features.outliers.action", OUTLIER_ACTIONS),
        in.number("features.outliers.iqr-k", k -> k > 0, "a positive multiple of the IQR"),
        in.number("features.outliers.zscore-k", k -> k > 0, "a positive number of standard deviations"),
        lower, upper);
    FeatureConfig features = DeclarativeFeatures.read(in, config, new FeatureConfig(label, numeric, categorical,
        in.oneOf("features.impute", IMPUTE_STRATEGIES), imputeBy, indicators, outliers,
        in.oneOf("features.impute-categorical", List.of("keep", "mode", "constant", "missing")),
        in.string("features.categorical-fill"),
        in.number("features.drop-missing-over", f -> f > 0 && f <= 1, "a fraction in (0, 1]")));

    Optional<String> explicitModelName = in.optionalString("model.name");
    explicitModelName.ifPresent(n -> checkName(in, "model.name", n));
    String modelName = explicitModelName.orElse(name);
    ModelConfig model = model(in, config, modelName);

    EvaluationConfig evaluation = evaluation(in, model, contract);

    RegistryConfig registry = new RegistryConfig(HadoopPaths.qualify(in.requiredString("registry.root",
        "where models are registered")));

    SparkConfig spark = new SparkConfig(
        in.requiredString("spark.master", "the Spark master for local runs"),
        partitions(in),
        HadoopPaths.qualify(in.optionalString("spark.checkpoint-dir")
            .orElse(HadoopPaths.child(warehouse, "checkpoints"))),
        in.stringMap("spark.conf"));

    PipelineConfig.MonitoringConfig monitoring = monitoring(in);
    PipelineConfig.ScoringConfig scoring = scoring(in, warehouse, name, model.name(), source);
    PipelineConfig.RetrainingConfig retraining = retraining(in);

    List<ConfigProblem> problems = new ArrayList<>(in.unknownKeys());
    problems.addAll(in.problems());
    String text = render(config);
    return new Result(new PipelineConfig(name, warehouse, source, sample, clean, contract, features, model,
        evaluation,
        registry, spark, monitoring, scoring, retraining, text, sha256(text)), List.copyOf(problems));
  }

  private static final List<String> SCORING_FORMATS = List.of("delta", "parquet", "orc", "avro", "json", "csv");

  /** The {@code scoring} section; its defaults come from the warehouse, the source and the model's name. */
  private static PipelineConfig.ScoringConfig scoring(ConfigReader in, String warehouse, String name,
      String modelName, SourceConfig source) {
    // By default the pipeline scores its own source: a path, or the table a generated source is written to.
    Optional<String> input = in.optionalString("scoring.input").map(HadoopPaths::qualify)
        .or(() -> source.path())
        .or(() -> "generated".equals(source.format()) ? Optional.of(GeneratedConfig.location(warehouse,
            source.generated().rows(), source.generated().seed())) : Optional.empty());
    String format = in.oneOf("scoring.input-format", SCORING_FORMATS);
    String output = in.optionalString("scoring.output").map(HadoopPaths::qualify)
        .orElse(HadoopPaths.child(warehouse, "pipelines/" + name + "/scores"));
    Optional<String> given = in.optionalString("scoring.model");
    // The default is built from the model's name, whose own key already reports a bad one.
    given.ifPresent(ref -> {
      try {
        dev.kiln.registry.ModelRef.parse(ref);
      } catch (RuntimeException e) {
        in.problem("scoring.model", e.getMessage());
      }
    });
    String model = given.orElse(modelName + "@champion");
    List<String> keep = in.stringList("scoring.keep-columns");
    keep.forEach(column -> checkColumnName(in, "scoring.keep-columns", column));
    return new PipelineConfig.ScoringConfig(input, format, output, model, keep);
  }

  private static PipelineConfig.RetrainingConfig retraining(ConfigReader in) {
    String alias = in.requiredString("retraining.alias", "the alias a challenger must win");
    try {
      dev.kiln.registry.ModelRef.validateAlias(alias);
    } catch (RuntimeException e) {
      in.problem("retraining.alias", e.getMessage());
    }
    return new PipelineConfig.RetrainingConfig(alias,
        in.oneOf("retraining.data", PipelineConfig.RetrainingConfig.DATA),
        in.requiredString("retraining.metric", "the metric that decides (auto, auc_roc, f1, rmse, ...)"),
        in.number("retraining.margin", m -> m >= 0, "0 or more, in the metric's units"),
        in.number("retraining.guardrails.max-recall-drop", d -> d >= 0 && d <= 1, "a fraction in [0, 1]"),
        in.integer("retraining.guardrails.min-test-rows", r -> r >= 1, "1 or more"));
  }

  /** The {@code model} section; which keys fit which algorithm and task is the preflight's check. */
  private static ModelConfig model(ConfigReader in, Config config, String modelName) {
    String task = in.oneOf("model.task", TASKS);
    String algorithm = in.oneOf("model.algorithm", ALGORITHMS);
    Map<String, String> params = in.stringMap("model.params", true);
    List<Integer> hiddenLayers = new ArrayList<>();
    for (String size : in.stringList("model.hidden-layers")) {
      try {
        int n = Integer.parseInt(size.trim());
        if (n < 1) {
          throw new NumberFormatException();
        }
        hiddenLayers.add(n);
      } catch (NumberFormatException e) {
        in.problem("model.hidden-layers", "'" + size + "' is not a layer size: whole numbers of 1 or more, such as "
            + "[16, 8]");
      }
    }
    String at = "model.tuning";
    String method = in.oneOf(at + ".method", TUNING_METHODS);
    Map<String, PipelineConfig.ParamSpace> space = paramSpace(in, config, at + ".grid", "random".equals(method));
    PipelineConfig.TuningConfig tuning = new PipelineConfig.TuningConfig(method,
        in.oneOf(at + ".validation", TUNING_VALIDATIONS),
        (int) in.integer(at + ".folds", n -> n >= 2 && n <= 20, "2 to 20 folds"),
        in.number(at + ".train-ratio", f -> f > 0 && f < 1, "a fraction in (0, 1)"),
        (int) in.integer(at + ".parallelism", n -> n >= 1 && n <= 64, "1 to 64 candidates at once"),
        (int) in.integer(at + ".trials", n -> n >= 1 && n <= 1_000, "1 to 1,000 combinations"),
        in.integer(at + ".seed", n -> true, ""),
        in.oneOf(at + ".metric", TUNING_METRICS), space);
    if (tuning.enabled() && space.isEmpty()) {
      in.problem(at + ".grid", "model.tuning.method = " + method + " needs parameters to search, e.g. "
          + "grid { regParam = [0.0, 0.01, 0.1] }");
    }
    String stop = "model.early-stopping";
    PipelineConfig.EarlyStoppingConfig earlyStopping = new PipelineConfig.EarlyStoppingConfig(
        in.bool(stop + ".enabled"),
        in.number(stop + ".validation-fraction", f -> f > 0 && f < 0.5, "a fraction in (0, 0.5)"),
        in.integer(stop + ".seed", n -> true, ""));
    return new ModelConfig(modelName, task, algorithm, params, List.copyOf(hiddenLayers),
        in.oneOf("model.class-weights", CLASS_WEIGHTS), tuning, earlyStopping);
  }

  /**
   * A search space: {@code name = [v1, v2, ...]}, or, when {@code ranges} are allowed (random search),
   * {@code name { min = 0.001, max = 1, scale = log }}.
   */
  private static Map<String, PipelineConfig.ParamSpace> paramSpace(ConfigReader in, Config config, String path,
      boolean ranges) {
    Map<String, PipelineConfig.ParamSpace> space = new java.util.LinkedHashMap<>();
    in.isSet(path);
    if (!config.hasPath(path)) {
      return space;
    }
    if (!isObject(config, path)) {
      in.problem(path, "expected a section { paramName = [value, ...] }");
      return space;
    }
    List<String> parts = com.typesafe.config.ConfigUtil.splitPath(path);
    for (String name : config.getObject(path).keySet()) {
      List<String> named = new ArrayList<>(parts);
      named.add(name);
      String at = com.typesafe.config.ConfigUtil.joinPath(named);
      if (!isObject(config, at)) {
        List<String> values = in.stringList(at);
        if (config.getValue(at).valueType() == com.typesafe.config.ConfigValueType.LIST && values.isEmpty()) {
          in.problem(at, "lists no values to try");
        }
        space.put(name, PipelineConfig.ParamSpace.of(values));
        continue;
      }
      double min = in.number(at + ".min", v -> true, "");
      double max = in.number(at + ".max", v -> true, "");
      String scale = in.isSet(at + ".scale") ? in.oneOf(at + ".scale", List.of("linear", "log")) : "linear";
      if (!ranges) {
        in.problem(at, "a range { min, max } needs model.tuning.method = random; a grid lists its values: "
            + name + " = [...]");
      } else if (!(min < max)) {
        in.problem(at + ".min", "must be below max (" + max + ")");
      } else if ("log".equals(scale) && !(min > 0)) {
        in.problem(at + ".min", "a log scale needs a positive min");
      }
      space.put(name, new PipelineConfig.ParamSpace(List.of(),
          Optional.of(new PipelineConfig.ParamRange(min, max, "log".equals(scale)))));
    }
    return space;
  }

  /** Characters Delta refuses in column names (without column mapping) and that SQL would need quoted. */
  private static final Pattern UNSAFE_COLUMN_CHARACTERS = Pattern.compile("[ ,;{}()\\n\\t=]");

  private static void checkColumnName(ConfigReader in, String section, String name) {
    if (name.isBlank() || UNSAFE_COLUMN_CHARACTERS.matcher(name).find()) {
      in.problem(section, "'" + name + "' is not a usable column name: no spaces or any of ,;{}()= "
          + "(Delta tables refuse them), e.g. beak_length_mm");
    }
  }

  /** A Spark SQL expression that does not parse is reported with its key; parsing needs no SparkSession. */
  private static void checkExpression(ConfigReader in, String section, String column, String expression) {
    try {
      SqlExpressions.parse(expression);
    } catch (IllegalArgumentException e) {
      in.problem(section + "." + column, "'" + expression + "' " + e.getMessage());
    }
  }

  /** The {@code source.jdbc} section; checked only when the source is JDBC, where it is {@code active}. */
  private static JdbcConfig jdbc(ConfigReader in, boolean active) {
    if (!active) {
      for (String key : List.of("url", "table", "query")) {
        if (in.isSet("source.jdbc." + key)) {
          in.problem("source.jdbc." + key, "is set but source.format is not jdbc");
        }
      }
      for (String key : List.of("driver", "user", "password", "password-file", "partition-column", "partitions",
          "fetch-size", "pushdown", "sample-key")) {
        in.isSet("source.jdbc." + key);
      }
      return JdbcConfig.NONE;
    }
    String url = in.requiredString("source.jdbc.url", "the database's JDBC URL, e.g. jdbc:postgresql://host/db");
    if (!url.isEmpty() && !url.startsWith("jdbc:")) {
      in.problem("source.jdbc.url", "must start with jdbc: (e.g. jdbc:postgresql://host:5432/db)");
    }
    Optional<String> table = in.optionalString("source.jdbc.table");
    Optional<String> query = in.optionalString("source.jdbc.query");
    if (table.isPresent() == query.isPresent()) {
      in.problem(table.isPresent() ? "source.jdbc.query" : "source.jdbc.table",
          "set exactly one of source.jdbc.table and source.jdbc.query");
    }
    Optional<Secret> password = in.optionalString("source.jdbc.password").map(Secret::of);
    Optional<String> passwordFile = in.optionalString("source.jdbc.password-file");
    if (password.isPresent() && passwordFile.isPresent()) {
      in.problem("source.jdbc.password-file", "set source.jdbc.password or source.jdbc.password-file, not both");
    }
    return new JdbcConfig(url, in.optionalString("source.jdbc.driver"), table, query,
        in.optionalString("source.jdbc.user"), password, passwordFile,
        in.optionalString("source.jdbc.partition-column"),
        (int) in.integer("source.jdbc.partitions", p -> p >= 1 && p <= 1_000, "1 to 1,000"),
        (int) in.integer("source.jdbc.fetch-size", f -> f >= 1 && f <= 1_000_000, "1 to 1,000,000"),
        in.oneOf("source.jdbc.pushdown", JDBC_PUSHDOWNS),
        in.optionalString("source.jdbc.sample-key"));
  }

  private static PipelineConfig.CanonicalizeConfig canonicalize(ConfigReader in, Config config) {
    String at = "clean.canonicalize";
    List<String> columns = new ArrayList<>(in.stringList(at + ".columns"));
    Map<String, Map<String, List<String>>> values = new java.util.LinkedHashMap<>();
    in.isSet(at + ".values");
    if (config.hasPath(at + ".values") && isObject(config, at + ".values")) {
      for (String column : config.getObject(at + ".values").keySet()) {
        String columnPath = com.typesafe.config.ConfigUtil.joinPath("clean", "canonicalize", "values", column);
        if (!isObject(config, columnPath)) {
          in.problem(columnPath, "expected a section { CANONICAL = [variant, ...] }");
          continue;
        }
        Map<String, List<String>> variants = new java.util.LinkedHashMap<>();
        for (String canonical : config.getObject(columnPath).keySet()) {
          variants.put(canonical, in.stringList(
              com.typesafe.config.ConfigUtil.joinPath("clean", "canonicalize", "values", column, canonical)));
        }
        values.put(column, variants);
        if (!columns.contains(column)) {
          columns.add(column);
        }
      }
    } else if (config.hasPath(at + ".values")) {
      in.problem(at + ".values", "expected a section { column { CANONICAL = [variant, ...] } }");
    }
    return new PipelineConfig.CanonicalizeConfig(List.copyOf(columns), in.bool(at + ".trim"),
        in.bool(at + ".collapse-whitespace"), in.oneOf(at + ".unicode", List.of("NFKC", "none")),
        in.oneOf(at + ".case", List.of("lower", "upper", "none")), values);
  }

  private static Optional<PipelineConfig.NearDuplicateConfig> nearDuplicates(ConfigReader in) {
    String at = "clean.near-duplicates";
    Optional<String> column = in.optionalString(at + ".column").filter(c -> !c.isBlank());
    double threshold = in.number(at + ".threshold", t -> t > 0 && t <= 1, "a Jaccard similarity in (0, 1]");
    int shingle = (int) in.integer(at + ".shingle", n -> n >= 1 && n <= 20, "1 to 20 characters");
    int tables = (int) in.integer(at + ".hash-tables", n -> n >= 1 && n <= 100, "1 to 100");
    long seed = in.integer(at + ".seed", n -> true, "");
    return column.map(c -> new PipelineConfig.NearDuplicateConfig(c, threshold, shingle, tables, seed));
  }

  private static PipelineConfig.ContractConfig contract(ConfigReader in, Config config) {
    boolean infer = in.bool("contract.infer");
    int maxCategories = (int) in.integer("contract.max-categories", n -> n >= 0 && n <= 10_000, "0 to 10,000");
    List<PipelineConfig.ColumnContract> columns = contractColumns(in, config, "contract.columns");
    if (infer && !columns.isEmpty()) {
      in.problem("contract.infer", "give the contract's columns or infer them, not both");
    }
    return new PipelineConfig.ContractConfig(infer, maxCategories, columns);
  }

  /**
   * A contract's columns from the section at {@code path}: {@code name { type = int, nullable = false, min = 0 }}.
   * Public for the contract file an inferred contract is saved as, which has the same shape.
   */
  public static List<PipelineConfig.ColumnContract> contractColumns(ConfigReader in, Config config, String path) {
    List<PipelineConfig.ColumnContract> columns = new ArrayList<>();
    in.isSet(path);
    if (!config.hasPath(path)) {
      return columns;
    }
    if (!isObject(config, path)) {
      in.problem(path, "expected a section { column { type = int, ... } }");
      return columns;
    }
    List<String> parts = new ArrayList<>(com.typesafe.config.ConfigUtil.splitPath(path));
    for (String column : config.getObject(path).keySet()) {
      List<String> columnParts = new ArrayList<>(parts);
      columnParts.add(column);
      String at = com.typesafe.config.ConfigUtil.joinPath(columnParts);
      if (!isObject(config, at)) {
        in.problem(at, "expected a section { type = ..., nullable = ... }");
        continue;
      }
      String type = in.isSet(at + ".type") ? in.oneOf(at + ".type", PipelineConfig.ColumnContract.TYPES) : "string";
      boolean nullable = !in.isSet(at + ".nullable") || in.bool(at + ".nullable");
      Optional<Double> min = in.isSet(at + ".min") ? Optional.of(in.number(at + ".min", v -> true, "")) : Optional.empty();
      Optional<Double> max = in.isSet(at + ".max") ? Optional.of(in.number(at + ".max", v -> true, "")) : Optional.empty();
      boolean numeric = List.of("int", "long", "double").contains(type);
      if ((min.isPresent() || max.isPresent()) && !numeric) {
        in.problem(at + (min.isPresent() ? ".min" : ".max"), "bounds apply to int, long and double columns, not "
            + type);
      }
      if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
        in.problem(at + ".min", "is above max (" + max.get() + ")");
      }
      List<String> allowed = in.stringList(at + ".allowed");
      if (!allowed.isEmpty() && !"string".equals(type)) {
        in.problem(at + ".allowed", "applies to string columns, not " + type);
      }
      Optional<String> format = in.optionalString(at + ".format");
      if (format.isPresent() && !List.of("date", "timestamp").contains(type)) {
        in.problem(at + ".format", "applies to date and timestamp columns, not " + type);
      }
      columns.add(new PipelineConfig.ColumnContract(column, type, nullable, min, max, allowed, format));
    }
    return List.copyOf(columns);
  }

  private static boolean isObject(Config config, String path) {
    return config.getValue(path).valueType() == com.typesafe.config.ConfigValueType.OBJECT;
  }

  private static SampleConfig sample(ConfigReader in, Config config) {
    String strategy = in.oneOf("sample.strategy", SAMPLE_STRATEGIES);
    double fraction = in.number("sample.fraction", f -> f > 0 && f <= 1, "a fraction in (0, 1]");
    Optional<Long> size = in.optionalInteger("sample.size", n -> n >= 1, "1 or more rows");
    if ("fixed".equals(strategy) && size.isEmpty()) {
      in.problem("sample.size", "is required for sample.strategy = fixed: the number of rows to keep");
    }
    if (size.isPresent() && !"fixed".equals(strategy)) {
      in.problem("sample.size", "applies to sample.strategy = fixed only, not " + strategy);
    }
    Optional<String> stratifyBy = in.optionalString("sample.stratified.column");
    Map<String, Double> fractions = new java.util.LinkedHashMap<>();
    in.stringMap("sample.stratified.fractions").forEach((k, v) -> {
      try {
        double f = Double.parseDouble(v);
        if (!(f >= 0 && f <= 1)) {
          in.problem("sample.stratified.fractions." + k, f + " is out of range: a fraction in [0, 1]");
        }
        fractions.put(k, f);
      } catch (NumberFormatException e) {
        in.problem("sample.stratified.fractions." + k, "expected a fraction but found '" + v + "'");
      }
    });
    Map<String, Long> counts = new java.util.LinkedHashMap<>();
    in.stringMap("sample.stratified.counts").forEach((k, v) -> {
      try {
        long n = Long.parseLong(v);
        if (n < 0) {
          in.problem("sample.stratified.counts." + k, n + " is out of range: 0 or more rows");
        }
        counts.put(k, n);
      } catch (NumberFormatException e) {
        in.problem("sample.stratified.counts." + k, "expected a whole number of rows but found '" + v + "'");
      }
    });
    if ("stratified".equals(strategy)) {
      if (stratifyBy.isEmpty()) {
        in.problem("sample.stratified.column", "is required for sample.strategy = stratified");
      }
      if (fractions.isEmpty() == counts.isEmpty()) {
        in.problem("sample.stratified", "give per-stratum fractions or counts (one of the two), e.g. "
            + "counts { gold = 1000, \"*\" = 500 }");
      }
    } else if (stratifyBy.isPresent() || !fractions.isEmpty() || !counts.isEmpty()) {
      in.problem("sample.stratified", "applies to sample.strategy = stratified only, not " + strategy);
    }
    Optional<String> windowColumn = in.optionalString("sample.window.column");
    Optional<java.time.Duration> last = in.optionalDuration("sample.window.last");
    Optional<java.time.Instant> end = in.optionalInstant("sample.window.end");
    Optional<WindowConfig> window = Optional.empty();
    if (windowColumn.isPresent() && last.isPresent()) {
      window = Optional.of(new WindowConfig(windowColumn.get(), last.get(), end));
    } else if (windowColumn.isPresent() || last.isPresent() || end.isPresent()) {
      in.problem(windowColumn.isPresent() ? "sample.window.last" : "sample.window.column",
          "a time window needs both sample.window.column and sample.window.last (e.g. 90d)");
    }
    return new SampleConfig(strategy, fraction, size, in.integer("sample.seed", s -> true, ""), stratifyBy,
        Map.copyOf(fractions), Map.copyOf(counts), window, in.bool("sample.blocks"),
        in.oneOf("sample.output.format", OUTPUT_FORMATS));
  }

  /**
   * The {@code evaluation} section. A time split needs its column (and refuses {@code split-by}: rows go by their
   * time); a stratified one a classification label. What needs the data (the time column's type, the task
   * {@code model.task = auto} decides) is checked again when the rows are prepared.
   */
  private static EvaluationConfig evaluation(ConfigReader in, ModelConfig model, ContractConfig contract) {
    double fraction = in.number("evaluation.test-fraction", f -> f > 0 && f < 1, "a fraction in (0, 1)");
    List<String> splitBy = in.stringList("evaluation.split-by");
    long seed = in.integer("evaluation.seed", s -> true, "");
    String split = in.oneOf("evaluation.split", EvaluationConfig.SPLITS);
    Optional<String> timeColumn = in.optionalString("evaluation.time-column").filter(c -> !c.isBlank());
    Optional<java.time.Instant> testFrom = in.optionalInstant("evaluation.test-from");
    if ("time".equals(split)) {
      if (timeColumn.isEmpty()) {
        in.problem("evaluation.time-column", "is required for evaluation.split = time: the date or timestamp "
            + "column that orders the rows");
      }
      if (!splitBy.isEmpty()) {
        in.problem("evaluation.split-by", "does not apply to evaluation.split = time: every row goes by its time "
            + "(use split = random or stratified to keep a key's rows together)");
      }
      timeColumn.flatMap(c -> contract.columns().stream().filter(k -> k.name().equals(c)).findFirst())
          .filter(k -> !List.of("date", "timestamp").contains(k.type()))
          .ifPresent(k -> in.problem("evaluation.time-column", "column '" + k.name() + "' is " + k.type()
              + " in the contract; a time split needs a date or timestamp column"));
    } else {
      for (String key : List.of("evaluation.time-column", "evaluation.test-from")) {
        if (in.isSet(key)) {
          in.problem(key, "applies to evaluation.split = time only, not " + split);
        }
      }
    }
    if ("stratified".equals(split) && "regression".equals(model.task())) {
      in.problem("evaluation.split", "stratified keeps each label class's share; a regression label has no "
          + "classes (use random or time)");
    }
    return new EvaluationConfig(fraction, splitBy, seed, split, timeColumn, testFrom);
  }

  /** The config as HOCON text with every secret-looking value replaced, safe to print and to store. */
  public static String render(Config config) {
    Config redacted = config;
    for (Map.Entry<String, com.typesafe.config.ConfigValue> entry : config.entrySet()) {
      if (SECRET_KEY.matcher(entry.getKey()).matches()) {
        redacted = redacted.withValue(entry.getKey(), ConfigValueFactory.fromAnyRef("<redacted>"));
      } else if (entry.getValue().unwrapped() instanceof String text) {
        String clean = text;
        for (Pattern secret : URL_SECRETS) {
          clean = secret.matcher(clean).replaceAll("$1<redacted>$2");
        }
        if (!clean.equals(text)) {
          redacted = redacted.withValue(entry.getKey(), ConfigValueFactory.fromAnyRef(clean));
        }
      }
    }
    return redacted.root().render(ConfigRenderOptions.concise().setJson(false).setFormatted(true));
  }

  public static boolean isSecretKey(String key) {
    return SECRET_KEY.matcher(key).matches();
  }

  private static void checkName(ConfigReader in, String key, String value) {
    if (!value.isEmpty() && !value.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}") || value.contains("..")) {
      in.problem(key, "'" + value + "' must be letters, digits, '.', '_' or '-' (no slashes, no '..')");
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /** The {@code monitoring} section: {@code kiln monitor}'s window, baseline shape and thresholds. */
  private static PipelineConfig.MonitoringConfig monitoring(ConfigReader in) {
    String at = "monitoring";
    Optional<String> output = in.optionalString(at + ".output").filter(o -> !o.isBlank()).map(HadoopPaths::qualify);
    return new PipelineConfig.MonitoringConfig(
        (int) in.integer(at + ".window-days", d -> d >= 1 && d <= 366, "1 to 366 days"),
        in.integer(at + ".min-rows", n -> n >= 1, "1 or more rows"),
        (int) in.integer(at + ".bins", b -> b >= 2 && b <= 100, "2 to 100 bins"),
        (int) in.integer(at + ".top-values", n -> n >= 1 && n <= 1_000, "1 to 1,000 values"),
        in.number(at + ".psi-threshold", t -> t > 0, "a positive PSI, e.g. 0.2"),
        in.number(at + ".ks-threshold", t -> t > 0 && t < 1, "a KS statistic in (0, 1), e.g. 0.2"),
        in.number(at + ".null-rate-change-threshold", t -> t > 0 && t < 1, "a change of share in (0, 1), e.g. 0.1"),
        in.number(at + ".prediction-psi-threshold", t -> t > 0, "a positive PSI, e.g. 0.2"),
        in.number(at + ".metric-drop-threshold", t -> t > 0, "a positive drop, e.g. 0.05"),
        output,
        in.optionalString(at + ".labels.id-column").filter(c -> !c.isBlank()),
        in.optionalString(at + ".labels.label-column").filter(c -> !c.isBlank()));
  }

  /** {@code spark.partitions}: a whole number, or {@code auto} (empty) to size them to the cluster. */
  private static java.util.OptionalInt partitions(ConfigReader in) {
    String path = "spark.partitions";
    Optional<String> text = in.text(path).map(String::strip);
    if (text.filter(SparkConfig.AUTO::equals).isPresent()) {
      return java.util.OptionalInt.empty();
    }
    if (text.isPresent() && !text.get().matches("\\d+")) {
      in.problem(path, "expected a whole number or " + SparkConfig.AUTO + " but found '" + text.get() + "'");
      return java.util.OptionalInt.empty();
    }
    return java.util.OptionalInt.of((int) in.integer(path, p -> p >= 1 && p <= 100_000, "1 to 100,000, or auto"));
  }
}

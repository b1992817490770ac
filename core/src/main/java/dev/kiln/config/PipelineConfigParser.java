package dev.kiln.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.kiln.config.PipelineConfig.CleanConfig;
import dev.kiln.config.PipelineConfig.EvaluationConfig;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.GeneratedConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.config.PipelineConfig.RegistryConfig;
import dev.kiln.config.PipelineConfig.SampleConfig;
import dev.kiln.config.PipelineConfig.SourceConfig;
import dev.kiln.config.PipelineConfig.SparkConfig;
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

  public static final List<String> FORMATS = List.of("parquet", "csv", "json", "orc", "avro", "delta", "generated");
  public static final List<String> ALGORITHMS = List.of("logistic-regression", "gbt");
  public static final List<String> IMPUTE_STRATEGIES = List.of("mean", "median", "mode");

  /**
   * Keys whose values never leave the process: redacted in the rendered config, summaries and the registry. Keys
   * ending in {@code .provider} name a class (e.g. {@code fs.s3a.aws.credentials.provider}), not a secret.
   */
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i)(?!.*\\.provider\"?$)"
          + ".*(secret|password|passwd|token|credential|access\\.key|session\\.key).*");

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
    if (path.isEmpty() && !"generated".equals(format)) {
      in.problem("source.path", "is required for source.format = " + format);
    }
    Map<String, String> options = in.stringMap("source.options");
    GeneratedConfig generated = new GeneratedConfig(
        in.integer("source.generated.rows", r -> r >= 1_000 && r <= 100_000_000L, "1,000 to 100,000,000 rows"),
        in.integer("source.generated.seed", s -> true, ""));
    Optional<Long> version = in.optionalInteger("source.version", v -> v >= 0, "a Delta table version, 0 or more");
    if (version.isPresent() && !List.of("delta", "generated").contains(format)) {
      in.problem("source.version", "applies to delta sources only, not " + format);
    }
    SourceConfig source = new SourceConfig(format, path, options, generated, version);

    SampleConfig sample = new SampleConfig(
        in.number("sample.fraction", f -> f > 0 && f <= 1, "a fraction in (0, 1]"),
        in.integer("sample.seed", s -> true, ""));

    List<String> dedupKey = in.stringList("clean.dedup.key");
    Optional<String> latestBy = in.optionalString("clean.dedup.latest-by");
    if (!dedupKey.isEmpty() && latestBy.isEmpty()) {
      in.problem("clean.dedup.key", "needs clean.dedup.latest-by: the column that says which record is newest");
    }
    CleanConfig clean = new CleanConfig(in.bool("clean.dedup.exact"), dedupKey, latestBy);

    String label = in.requiredString("features.label", "the column the model learns to predict");
    List<String> numeric = in.stringList("features.numeric");
    List<String> categorical = in.stringList("features.categorical");
    if (config.hasPath("features.numeric") && config.hasPath("features.categorical")
        && numeric.isEmpty() && categorical.isEmpty()) {
      in.problem("features.numeric", "no feature columns: list some in features.numeric or features.categorical");
    }
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
    FeatureConfig features = new FeatureConfig(label, numeric, categorical,
        in.oneOf("features.impute", IMPUTE_STRATEGIES));

    Optional<String> explicitModelName = in.optionalString("model.name");
    explicitModelName.ifPresent(n -> checkName(in, "model.name", n));
    String modelName = explicitModelName.orElse(name);
    ModelConfig model = new ModelConfig(modelName, in.oneOf("model.algorithm", ALGORITHMS),
        in.stringMap("model.params"));

    EvaluationConfig evaluation = new EvaluationConfig(
        in.number("evaluation.test-fraction", f -> f > 0 && f < 1, "a fraction in (0, 1)"),
        in.stringList("evaluation.split-by"),
        in.integer("evaluation.seed", s -> true, ""));

    RegistryConfig registry = new RegistryConfig(HadoopPaths.qualify(in.requiredString("registry.root",
        "where models are registered")));

    SparkConfig spark = new SparkConfig(
        in.requiredString("spark.master", "the Spark master for local runs"),
        (int) in.integer("spark.partitions", p -> p >= 1 && p <= 100_000, "1 to 100,000"),
        in.stringMap("spark.conf"));

    List<ConfigProblem> problems = new ArrayList<>(in.unknownKeys());
    problems.addAll(in.problems());
    String text = render(config);
    return new Result(new PipelineConfig(name, warehouse, source, sample, clean, features, model, evaluation,
        registry, spark, text, sha256(text)), List.copyOf(problems));
  }

  /** The config as HOCON text with every secret-looking value replaced, safe to print and to store. */
  public static String render(Config config) {
    Config redacted = config;
    for (Map.Entry<String, com.typesafe.config.ConfigValue> entry : config.entrySet()) {
      if (SECRET_KEY.matcher(entry.getKey()).matches()) {
        redacted = redacted.withValue(entry.getKey(), ConfigValueFactory.fromAnyRef("<redacted>"));
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
}

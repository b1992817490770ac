package dev.kiln.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated pipeline configuration: what to read, how to sample and clean it, which features and model to fit, how
 * to hold data out, and where to register the result. Immutable; built only by {@link PipelineConfigParser}, which
 * also keeps the rendered text (secrets redacted) and its hash for the registry's lineage.
 */
public record PipelineConfig(
    String name,
    String warehouse,
    SourceConfig source,
    SampleConfig sample,
    CleanConfig clean,
    FeatureConfig features,
    ModelConfig model,
    EvaluationConfig evaluation,
    RegistryConfig registry,
    SparkConfig spark,
    String renderedText,
    String hash) {

  /**
   * Where and how to read the input. {@code path} is a qualified Hadoop path ({@code file:}, {@code hdfs:}, ...);
   * {@code version} pins a Delta table's version and {@code timestamp} picks the version current at that instant;
   * {@code jdbc} is used when {@code format = jdbc}.
   */
  public record SourceConfig(String format, Optional<String> path, Map<String, String> options,
      GeneratedConfig generated, Optional<Long> version, Optional<java.time.Instant> timestamp, JdbcConfig jdbc) {

    public SourceConfig(String format, Optional<String> path, Map<String, String> options,
        GeneratedConfig generated, Optional<Long> version) {
      this(format, path, options, generated, version, Optional.empty(), JdbcConfig.NONE);
    }
  }

  /**
   * A database table or query read through JDBC; exactly one of {@code table} and {@code query} is set.
   *
   * @param driver the driver class; empty: the one registered for the URL
   * @param password the password itself (typically {@code password = ${DB_PASSWORD}}), never printed
   * @param passwordFile a file whose first line is the password, read when the source is opened
   * @param partitionColumn the column parallel reads split on; empty: found from the table's key, else hash
   *     predicates
   * @param partitions parallel reads (connections)
   * @param pushdown {@code auto}, {@code tablesample}, {@code hash} or {@code none}: how a sample is pushed to the
   *     database
   * @param sampleKey the column the hash predicate hashes; empty: the partition column
   */
  public record JdbcConfig(String url, Optional<String> driver, Optional<String> table, Optional<String> query,
      Optional<String> user, Optional<Secret> password, Optional<String> passwordFile,
      Optional<String> partitionColumn, int partitions, int fetchSize, String pushdown, Optional<String> sampleKey) {

    public static final JdbcConfig NONE = new JdbcConfig("", Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 1, 10_000, "auto",
        Optional.empty());
  }

  /** Size and seed of Kiln's generated demo table, for {@code format = generated}. */
  public record GeneratedConfig(long rows, long seed) {}

  /**
   * Which rows to keep. {@code strategy} is {@code bernoulli} (each row with probability {@code fraction}),
   * {@code fixed} (exactly {@code size} rows), or {@code stratified} (per value of {@code stratifyBy}: a fraction or
   * an exact count; the key {@code *} covers values not listed). {@code window} restricts any of them to a time
   * range first; {@code blocks} lets file and Delta sources choose whole files before rows.
   */
  public record SampleConfig(String strategy, double fraction, Optional<Long> size, long seed,
      Optional<String> stratifyBy, Map<String, Double> strataFractions, Map<String, Long> strataCounts,
      Optional<WindowConfig> window, boolean blocks, String outputFormat) {

    public SampleConfig(double fraction, long seed) {
      this("bernoulli", fraction, Optional.empty(), seed, Optional.empty(), Map.of(), Map.of(), Optional.empty(),
          false, "delta");
    }
  }

  /** The last {@code last} before {@code end} on {@code column}; {@code end} defaults to when the sample is taken. */
  public record WindowConfig(String column, java.time.Duration last, Optional<java.time.Instant> end) {}

  public record CleanConfig(boolean exactDedup, List<String> dedupKey, Optional<String> latestBy) {}

  /**
   * The model's inputs and how they are prepared inside the fitted pipeline. {@code imputeBy}: impute numeric
   * features per group of these columns (global statistic for unseen groups); {@code missingIndicators}: add a 0/1
   * column per numeric feature saying it was missing; {@code outliers}: bounds learned on the training split.
   */
  public record FeatureConfig(String label, List<String> numeric, List<String> categorical, String impute,
      List<String> imputeBy, boolean missingIndicators, OutlierConfig outliers) {

    public FeatureConfig(String label, List<String> numeric, List<String> categorical, String impute) {
      this(label, numeric, categorical, impute, List.of(), false, OutlierConfig.NONE);
    }

    /** Every input column the features read, label last. */
    public List<String> allColumns() {
      List<String> all = new java.util.ArrayList<>(numeric);
      all.addAll(categorical);
      imputeBy.stream().filter(c -> !all.contains(c)).forEach(all::add);
      all.add(label);
      return List.copyOf(all);
    }
  }

  /**
   * Outlier treatment of the numeric features: {@code method} {@code none}, {@code iqr} (Q1 − k·IQR, Q3 + k·IQR),
   * {@code zscore} (mean ± k·sd) or {@code percentile} (the {@code lower} and {@code upper} quantiles); {@code action}
   * {@code clip} (winsorise) or {@code flag} (a 0/1 column per feature, values kept).
   */
  public record OutlierConfig(String method, String action, double iqrK, double zscoreK, double lower,
      double upper) {

    public static final OutlierConfig NONE = new OutlierConfig("none", "clip", 1.5, 3.0, 0.01, 0.99);
  }

  /** {@code params} are Spark ML parameter names and values, checked against the estimator before any work. */
  public record ModelConfig(String name, String algorithm, Map<String, String> params) {}

  public record EvaluationConfig(double testFraction, List<String> splitBy, long seed) {}

  public record RegistryConfig(String root) {}

  public record SparkConfig(String master, int partitions, Map<String, String> conf) {}
}

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
    ContractConfig contract,
    FeatureConfig features,
    ModelConfig model,
    EvaluationConfig evaluation,
    RegistryConfig registry,
    SparkConfig spark,
    MonitoringConfig monitoring,
    ScoringConfig scoring,
    RetrainingConfig retraining,
    String renderedText,
    String hash) {

  /**
   * Where and how to read the input. {@code path} is a qualified Hadoop path ({@code file:}, {@code hdfs:}, ...);
   * {@code version} pins a Delta table's version and {@code timestamp} picks the version current at that instant;
   * {@code jdbc} is used when {@code format = jdbc}. {@code rename} (source name → new name) and {@code derive} (new
   * column → Spark SQL expression, in order) shape the rows right after reading. {@code afterVersion} keeps only the
   * rows of the read version that the Delta table did not hold at that version: the data that arrived since.
   */
  public record SourceConfig(String format, Optional<String> path, Map<String, String> options,
      GeneratedConfig generated, Optional<Long> version, Optional<java.time.Instant> timestamp, JdbcConfig jdbc,
      Map<String, String> rename, Map<String, String> derive, Optional<Long> afterVersion) {

    public SourceConfig(String format, Optional<String> path, Map<String, String> options,
        GeneratedConfig generated, Optional<Long> version, Optional<java.time.Instant> timestamp, JdbcConfig jdbc,
        Map<String, String> rename, Map<String, String> derive) {
      this(format, path, options, generated, version, timestamp, jdbc, rename, derive, Optional.empty());
    }

    public SourceConfig(String format, Optional<String> path, Map<String, String> options,
        GeneratedConfig generated, Optional<Long> version, Optional<java.time.Instant> timestamp, JdbcConfig jdbc) {
      this(format, path, options, generated, version, timestamp, jdbc, Map.of(), Map.of());
    }

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
  public record GeneratedConfig(long rows, long seed) {

    /** Where a generated table of {@code rows} and {@code seed} is written: {@code <warehouse>/generated/churn-...}. */
    public static String location(String warehouse, long rows, long seed) {
      return HadoopPaths.child(warehouse, "generated/churn-" + rows + "-seed" + seed);
    }
  }

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

  /**
   * Which rows are removed as duplicates, after the values of {@code canonicalize} are canonicalised: exact copies,
   * all but the latest of a business key, and (when {@code nearDuplicates} is set) rows whose text is within a
   * Jaccard similarity threshold of another's.
   */
  public record CleanConfig(boolean exactDedup, List<String> dedupKey, Optional<String> latestBy,
      CanonicalizeConfig canonicalize, Optional<NearDuplicateConfig> nearDuplicates) {

    public CleanConfig(boolean exactDedup, List<String> dedupKey, Optional<String> latestBy) {
      this(exactDedup, dedupKey, latestBy, CanonicalizeConfig.NONE, Optional.empty());
    }
  }

  /**
   * Canonical spellings of string columns: each value of {@code columns} is normalised ({@code trim},
   * {@code collapseWhitespace}, Unicode {@code normalization}, {@code caseMode}), then mapped through
   * {@code values} (column → canonical value → its variant spellings). Applied before dedup, and saved in the model
   * so serving canonicalises the same way.
   */
  public record CanonicalizeConfig(List<String> columns, boolean trim, boolean collapseWhitespace,
      String normalization, String caseMode, Map<String, Map<String, List<String>>> values) {

    public static final CanonicalizeConfig NONE = new CanonicalizeConfig(List.of(), true, true, "NFKC", "lower",
        Map.of());
  }

  /** Near-duplicate rows by MinHash LSH over character shingles of {@code column}. */
  public record NearDuplicateConfig(String column, double threshold, int shingle, int hashTables, long seed) {}

  /**
   * The schema contract rows are checked against before cleaning. {@code columns} as configured, or, with
   * {@code infer}, the contract saved under the pipeline's warehouse directory (inferred from the first run's sample
   * when there is none yet); categories are inferred for string columns with at most {@code maxCategories} values.
   */
  public record ContractConfig(boolean infer, int maxCategories, List<ColumnContract> columns) {

    public static final ContractConfig NONE = new ContractConfig(false, 20, List.of());

    /** Whether sources are read as text, for the contract (or its inference) to type the values. */
    public boolean active() {
      return infer || !columns.isEmpty();
    }
  }

  /**
   * What one column must hold. {@code type}: string, int, long, double, boolean, date or timestamp ({@code format}:
   * a Spark datetime pattern for text dates); {@code min}/{@code max}: inclusive numeric bounds; {@code allowed}: the
   * only values a string column may take.
   */
  public record ColumnContract(String name, String type, boolean nullable, Optional<Double> min,
      Optional<Double> max, List<String> allowed, Optional<String> format) {

    public static final List<String> TYPES = List.of("string", "int", "long", "double", "boolean", "date",
        "timestamp");
  }

  /**
   * The model's inputs and how they are prepared inside the fitted pipeline. {@code imputeBy}: impute numeric
   * features per group of these columns (global statistic for unseen groups); {@code missingIndicators}: add a 0/1
   * column per numeric feature saying it was missing; {@code outliers}: bounds learned on the training split;
   * {@code imputeCategorical}: {@code keep} (missing is its own index slot), {@code mode}, {@code constant}
   * ({@code categoricalFill}) or {@code missing} (the category {@code __missing__}); {@code dropMissingOver}: features
   * with a larger fraction of missing values in the training split are left out of the model and reported.
   *
   * <p>The declarative features (docs/features.md): {@code scale} ({@code none}, {@code standard}, {@code min-max},
   * {@code robust}) of the continuous features; {@code log}: log1p of these numeric or derived features before
   * imputation; {@code bucketize}: column → split points (±infinity allowed) and {@code quantileBins}: column →
   * number of bins, each a one-hot encoded bucket index; {@code frequencyEncoded}: categorical columns encoded as the
   * training share of their value; {@code text}: column → hashed TF-IDF; {@code dates}: column → numeric parts;
   * {@code derived}: name → SQL expression, a numeric feature; {@code interactions}: groups of numeric, derived or
   * categorical features whose product is a feature; {@code selection}: feature selection on the assembled vector.
   * The maps are ordered by column name.
   */
  public record FeatureConfig(String label, List<String> numeric, List<String> categorical, String impute,
      List<String> imputeBy, boolean missingIndicators, OutlierConfig outliers, String imputeCategorical,
      String categoricalFill, double dropMissingOver, String scale, List<String> log,
      Map<String, List<Double>> bucketize, Map<String, Integer> quantileBins, List<String> frequencyEncoded,
      Map<String, TextFeature> text, Map<String, DateFeature> dates, Map<String, DerivedColumn> derived,
      List<List<String>> interactions, SelectionConfig selection, String categoricalEncoding) {

    /** {@code features.categorical-encoding}: a 0/1 slot per value, for every algorithm. */
    public static final String ONE_HOT = "one-hot";
    /** {@code features.categorical-encoding}: the value's index in one slot marked categorical, for tree models. */
    public static final String NATIVE = "native";

    public FeatureConfig(String label, List<String> numeric, List<String> categorical, String impute) {
      this(label, numeric, categorical, impute, List.of(), false, OutlierConfig.NONE, "keep", "__missing__", 1.0);
    }

    public FeatureConfig(String label, List<String> numeric, List<String> categorical, String impute,
        List<String> imputeBy, boolean missingIndicators, OutlierConfig outliers) {
      this(label, numeric, categorical, impute, imputeBy, missingIndicators, outliers, "keep", "__missing__", 1.0);
    }

    /** Without declarative features: what a config without them parses to. */
    public FeatureConfig(String label, List<String> numeric, List<String> categorical, String impute,
        List<String> imputeBy, boolean missingIndicators, OutlierConfig outliers, String imputeCategorical,
        String categoricalFill, double dropMissingOver) {
      this(label, numeric, categorical, impute, imputeBy, missingIndicators, outliers, imputeCategorical,
          categoricalFill, dropMissingOver, "none", List.of(), Map.of(), Map.of(), List.of(), Map.of(), Map.of(),
          Map.of(), List.of(), SelectionConfig.NONE, ONE_HOT);
    }

    /** Whether categorical features enter the model as marked category indexes rather than one-hot slots. */
    public boolean nativeCategorical() {
      return NATIVE.equals(categoricalEncoding);
    }

    /**
     * The same features without {@code dropped}: columns left out of the model (too many values missing). Every
     * feature that reads a dropped column goes too: its log, bins, encodings, the derived columns whose expression
     * reads it, and the interactions it or such a derived column is part of.
     */
    public FeatureConfig without(java.util.Collection<String> dropped) {
      java.util.Set<String> gone = new java.util.HashSet<>(dropped);
      derived.forEach((name, column) -> {
        if (column.inputs().stream().anyMatch(dropped::contains)) {
          gone.add(name);
        }
      });
      java.util.function.Predicate<String> kept = c -> !gone.contains(c);
      return new FeatureConfig(label, keep(numeric, kept), keep(categorical, kept), impute, imputeBy,
          missingIndicators, outliers, imputeCategorical, categoricalFill, dropMissingOver, scale, keep(log, kept),
          keep(bucketize, kept), keep(quantileBins, kept), keep(frequencyEncoded, kept), keep(text, kept),
          keep(dates, kept), keep(derived, kept),
          interactions.stream().filter(group -> group.stream().allMatch(kept)).toList(), selection,
          categoricalEncoding);
    }

    /**
     * The input columns each key reads, by config key: what the source must have. Derived columns are not inputs;
     * the columns their expressions read are ({@code features.derived}).
     */
    public Map<String, List<String>> inputsByKey() {
      java.util.function.Predicate<String> input = c -> !derived.containsKey(c);
      Map<String, List<String>> inputs = new java.util.LinkedHashMap<>();
      inputs.put("features.numeric", numeric);
      inputs.put("features.categorical", categorical);
      inputs.put("features.impute-by", imputeBy);
      inputs.put("features.log", keep(log, input));
      inputs.put("features.bucketize", keep(List.copyOf(bucketize.keySet()), input));
      inputs.put("features.quantile-bins", keep(List.copyOf(quantileBins.keySet()), input));
      inputs.put("features.frequency-encoded", frequencyEncoded);
      inputs.put("features.text", List.copyOf(text.keySet()));
      inputs.put("features.dates", List.copyOf(dates.keySet()));
      inputs.put("features.interactions", interactions.stream().flatMap(List::stream).filter(input).distinct()
          .toList());
      inputs.put("features.derived", derived.values().stream().flatMap(d -> d.inputs().stream()).distinct()
          .toList());
      return inputs;
    }

    /** Every input column the features read, label last: the model's input signature. */
    public List<String> allColumns() {
      List<String> all = new java.util.ArrayList<>();
      inputsByKey().values().forEach(columns -> columns.stream().filter(c -> !all.contains(c)).forEach(all::add));
      all.add(label);
      return List.copyOf(all);
    }

    private static List<String> keep(List<String> columns, java.util.function.Predicate<String> kept) {
      return columns.stream().filter(kept).toList();
    }

    private static <V> Map<String, V> keep(Map<String, V> byColumn, java.util.function.Predicate<String> kept) {
      Map<String, V> result = new java.util.LinkedHashMap<>();
      byColumn.forEach((column, value) -> {
        if (kept.test(column)) {
          result.put(column, value);
        }
      });
      return java.util.Collections.unmodifiableMap(result);
    }
  }

  /**
   * A text feature: lower-cased words (split on non-word characters) hashed into {@code numFeatures} term counts,
   * weighted by their inverse document frequency on the training split; terms in fewer than {@code minDocFreq}
   * training rows weigh 0.
   */
  public record TextFeature(int numFeatures, int minDocFreq) {

    public static final TextFeature DEFAULT = new TextFeature(1024, 1);
  }

  /**
   * Numeric parts of a date or timestamp column: {@code parts} of {@link #PARTS}, and with {@code daysSince} the
   * days from that date to the value's date; timestamps are read in {@code timeZone}.
   */
  public record DateFeature(List<String> parts, Optional<java.time.LocalDate> daysSince, String timeZone) {

    public static final List<String> PARTS = List.of("year", "month", "day-of-month", "weekday", "hour");
    public static final DateFeature DEFAULT = new DateFeature(List.of("year", "month", "day-of-month", "weekday"),
        Optional.empty(), "UTC");
  }

  /**
   * A derived numeric feature: a Spark SQL {@code expression} over the input columns, cast to double;
   * {@code inputs} are the columns it reads.
   */
  public record DerivedColumn(String expression, List<String> inputs) {

    /** The column of {@code expression}, its inputs found by parsing it; fails when it does not parse. */
    public static DerivedColumn of(String expression) {
      return new DerivedColumn(expression, SqlExpressions.columnsRead(expression));
    }
  }

  /**
   * Feature selection on the assembled vector: {@code method} {@code none}, {@code univariate} (Spark's
   * UnivariateFeatureSelector, {@code mode} {@code num-top-features}, {@code percentile}, {@code fpr}, {@code fdr} or
   * {@code fwe} with {@code threshold}) or {@code variance} (features whose training variance is not above
   * {@code threshold} are dropped).
   */
  public record SelectionConfig(String method, String mode, double threshold) {

    public static final SelectionConfig NONE = new SelectionConfig("none", "num-top-features", 50);
  }

  /**
   * Outlier treatment of the numeric features: {@code method} {@code none}, {@code iqr} (Q1 − k·IQR, Q3 + k·IQR),
   * {@code zscore} (mean ± k·sd) or {@code percentile} (the {@code lower} and {@code upper} quantiles); {@code action}
   * {@code clip} (winsorise), {@code flag} (a 0/1 column per feature, values kept) or {@code drop} (training rows
   * outside the bounds are left out of the fit and counted in the ledger; the saved model does not treat outliers,
   * since serving must answer every request).
   */
  public record OutlierConfig(String method, String action, double iqrK, double zscoreK, double lower,
      double upper) {

    public static final OutlierConfig NONE = new OutlierConfig("none", "clip", 1.5, 3.0, 0.01, 0.99);
  }

  /**
   * {@code task}: {@code auto} (the label decides), {@code binary}, {@code multiclass} or {@code regression};
   * {@code params} are Spark ML parameter names and values, checked against the estimator before any work (array
   * parameters as comma-separated lists). {@code hiddenLayers}: the MLP's hidden layer sizes (Kiln adds the input
   * and output sizes); {@code classWeights}: {@code none} or {@code balanced}; {@code tuning}: a parameter search on
   * the training rows; {@code earlyStopping}: stop boosting (gbt, xgboost) when a validation part stops improving.
   * See docs/training.md.
   */
  public record ModelConfig(String name, String task, String algorithm, Map<String, String> params,
      List<Integer> hiddenLayers, String classWeights, TuningConfig tuning, EarlyStoppingConfig earlyStopping) {

    public ModelConfig(String name, String task, String algorithm, Map<String, String> params) {
      this(name, task, algorithm, params, List.of(), "none", TuningConfig.NONE, EarlyStoppingConfig.OFF);
    }

    public ModelConfig(String name, String algorithm, Map<String, String> params) {
      this(name, "auto", algorithm, params);
    }

    /** Whether the classes are weighted inversely to their frequency in the training rows. */
    public boolean balanced() {
      return "balanced".equals(classWeights);
    }
  }

  /**
   * A search over estimator parameters on the training rows. {@code method}: {@code none}, {@code grid} (every
   * combination of {@code space}'s values) or {@code random} ({@code trials} combinations drawn with {@code seed});
   * {@code validation}: {@code cross-validation} ({@code folds}) or {@code train-validation-split}
   * ({@code trainRatio}); {@code parallelism} candidates are fitted at once; {@code metric}: {@code auto} (the task's
   * default) or a metric name.
   */
  public record TuningConfig(String method, String validation, int folds, double trainRatio, int parallelism,
      int trials, long seed, String metric, Map<String, ParamSpace> space) {

    public static final TuningConfig NONE = new TuningConfig("none", "cross-validation", 3, 0.8, 2, 10, 42, "auto",
        Map.of());

    public boolean enabled() {
      return !"none".equals(method);
    }
  }

  /**
   * The values one parameter may take in a search: a list of {@code values}, or (random search only) a numeric
   * {@code range}.
   */
  public record ParamSpace(List<String> values, Optional<ParamRange> range) {

    public static ParamSpace of(List<String> values) {
      return new ParamSpace(List.copyOf(values), Optional.empty());
    }
  }

  /** A numeric range drawn uniformly ({@code log = false}) or log-uniformly. */
  public record ParamRange(double min, double max, boolean log) {}

  /**
   * Early stopping for boosted trees: a {@code validationFraction} of the training rows (chosen by a hash of the row
   * and {@code seed}) is held back, and boosting stops when it no longer improves.
   */
  public record EarlyStoppingConfig(boolean enabled, double validationFraction, long seed) {

    public static final EarlyStoppingConfig OFF = new EarlyStoppingConfig(false, 0.1, 42);
  }

  /**
   * How rows are held out. {@code split}: {@code random} (a seeded hash of {@code splitBy}, or of every column),
   * {@code stratified} (each label class keeps the test fraction exactly; with {@code splitBy}, whole keys) or
   * {@code time} (the future is the test set: rows at or after {@code testFrom} on {@code timeColumn}, or else the
   * latest {@code testFraction} of rows). See docs/evaluation.md.
   */
  public record EvaluationConfig(double testFraction, List<String> splitBy, long seed, String split,
      Optional<String> timeColumn, Optional<java.time.Instant> testFrom) {

    public static final List<String> SPLITS = List.of("random", "stratified", "time");

    public EvaluationConfig(double testFraction, List<String> splitBy, long seed) {
      this(testFraction, splitBy, seed, "random", Optional.empty(), Optional.empty());
    }
  }

  public record RegistryConfig(String root) {}

  /**
   * The {@code spark} section.
   *
   * @param master the master for local runs (a {@code --master} flag or spark-submit's master wins)
   * @param partitions shuffle partitions and the partitions of the training rows; empty for {@code auto}: three per
   *     core of the running application, decided when the rows are prepared ({@code dev.kiln.pipeline.Parallelism})
   *     and recorded with the run's params as {@code partitions}
   * @param checkpointDir where fits write MLlib's checkpoints (a per-run directory under it, deleted after the fit);
   *     must be storage every executor reaches, as the warehouse is
   * @param conf any Spark setting
   */
  public record SparkConfig(String master, java.util.OptionalInt partitions, String checkpointDir,
      Map<String, String> conf) {

    /** The value {@code spark.partitions} takes to size partitions to the cluster. */
    public static final String AUTO = "auto";
  }

  /**
   * Batch scoring: the table read, where predictions go, the version that scores them.
   *
   * @param input the table to score, qualified; empty when neither the config nor the source names one
   * @param output a Delta table partitioned by {@code run_date}
   * @param model {@code name@alias} or {@code name@version}
   * @param keepColumns input columns copied into each prediction row; empty: all of them
   */
  public record ScoringConfig(Optional<String> input, String inputFormat, String output, String model,
      List<String> keepColumns) {}

  /**
   * Gated retraining.
   *
   * @param data {@code since-champion} or {@code all}
   * @param metric a held-out metric name, or {@code auto}
   * @param margin how much better the challenger must be, in the metric's units
   * @param maxRecallDrop the most any class's recall may fall against the champion's
   * @param minTestRows the fewest held-out rows a decision is made on
   */
  public record RetrainingConfig(String alias, String data, String metric, double margin, double maxRecallDrop,
      long minTestRows) {

    public static final List<String> DATA = List.of("since-champion", "all");
  }

  /**
   * {@code kiln monitor} (docs/monitoring.md): how recent predictions are compared with the training baseline, and
   * the thresholds whose crossing makes the run exit 3.
   *
   * @param windowDays days of recent data a run reads, ending at its run date
   * @param minRows fewer of the version's rows than this in the window: nothing is judged
   * @param bins PSI bins per numeric column, recorded in the baseline at training time
   * @param topValues values per categorical column with a share of their own in the baseline (the rest: "other")
   * @param psiThreshold an input column's PSI above this crosses
   * @param ksThreshold a numeric column's (or the positive-class probability's) KS statistic above this crosses
   * @param nullRateChangeThreshold an input's missing share moving by more than this (either way) crosses
   * @param predictionPsiThreshold the PSI of the predictions (classes or bins, and binary probabilities) above this
   *     crosses
   * @param metricDropThreshold a live metric worse than the registered held-out one by more than this crosses:
   *     absolute for scores in [0, 1] (AUC, accuracy), relative for errors (log loss, RMSE, MAE)
   * @param output the Delta table of results; empty: {@code <warehouse>/monitoring/<model>}
   * @param labelsIdColumn the id joining labels to predictions; empty: {@code request_id} (the prediction log)
   * @param labelsLabelColumn the labels table's label column; empty: {@code features.label}
   */
  public record MonitoringConfig(int windowDays, long minRows, int bins, int topValues, double psiThreshold,
      double ksThreshold, double nullRateChangeThreshold, double predictionPsiThreshold, double metricDropThreshold,
      Optional<String> output, Optional<String> labelsIdColumn, Optional<String> labelsLabelColumn) {

    public static final MonitoringConfig DEFAULTS = new MonitoringConfig(1, 100, 10, 50, 0.2, 0.2, 0.1, 0.2, 0.05,
        Optional.empty(), Optional.empty(), Optional.empty());
  }
}

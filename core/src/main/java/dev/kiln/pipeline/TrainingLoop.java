package dev.kiln.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.kiln.clean.Deduplicator;
import dev.kiln.clean.NearDuplicates;
import dev.kiln.clean.ValueCanonicalizer;
import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfig.ColumnContract;
import dev.kiln.contract.ContractChecker;
import dev.kiln.contract.ContractFile;
import dev.kiln.contract.ContractInference;
import dev.kiln.contract.QuarantineTable;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.evaluate.BinaryClassificationMetrics;
import dev.kiln.evaluate.Evaluation;
import dev.kiln.feature.FeatureStages;
import dev.kiln.monitor.DriftBaseline;
import dev.kiln.registry.ModelVersion;
import dev.kiln.registry.Registry;
import dev.kiln.sample.SampleProvenance;
import dev.kiln.sample.SourceSampler;
import dev.kiln.source.ReadMetrics;
import dev.kiln.source.Source;
import dev.kiln.source.SourceSnapshot;
import dev.kiln.source.Sources;
import dev.kiln.train.Split;
import dev.kiln.train.TimeSplit;
import dev.kiln.train.ModelTrainer;
import dev.kiln.train.Task;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.storage.StorageLevel;

/**
 * The training loop of one pipeline config, step by step: sample the source, deduplicate, prepare labelled rows,
 * split, fit on the training part, measure on the held-out part, save and register. The CLI's step commands call
 * the steps one at a time through Delta tables; {@link #run} chains them in memory.
 *
 * <p>Everything that depends on how data is partitioned is made independent of it (hash-based sampling and
 * splitting, a fixed partitioning of the training rows), so the same config and seeds give the same model and
 * metrics in local mode and on a cluster.
 */
public final class TrainingLoop {

  /** Receives a line per finished step; the CLI prints them as progress. */
  public interface Progress {
    void step(String step, String detail);

    static Progress silent() {
      return (step, detail) -> {};
    }
  }

  /**
   * A step's rows with their lineage; {@link #counts} is complete once an action has run over {@link #rows}, and so
   * is {@link #completedLineage} (which adds the sample's provenance: rows and bytes read).
   */
  public record StepOutput(Dataset<Row> rows, RunLineage lineage, CountSupplier counts,
      java.util.function.Supplier<RunLineage> completedLineage, Runnable release) {

    StepOutput(Dataset<Row> rows, RunLineage lineage, CountSupplier counts,
        java.util.function.Supplier<RunLineage> completedLineage) {
      this(rows, lineage, counts, completedLineage, () -> {});
    }

    StepOutput(Dataset<Row> rows, RunLineage lineage, CountSupplier counts) {
      this(rows, lineage, counts, () -> lineage);
    }
  }

  @FunctionalInterface
  public interface CountSupplier {
    Map<String, Long> get();
  }

  /**
   * Labelled rows, partitioned and cached for training; unpersist when done. {@code task} is the configured one, or
   * the one the label decided for {@code model.task = auto}.
   */
  public record Prepared(Dataset<Row> rows, RunLineage lineage, RowLedger ledger, Task task) {}

  /**
   * A fitted model and its held-out metrics.
   *
   * @param signature the input columns the model reads and the columns it adds, as a Spark schema in JSON
   * @param evaluation the held-out metrics with what a report draws (curves, confusion matrix, residuals)
   * @param baseline the distributions the version is monitored against ({@code kiln monitor}), saved beside it
   */
  public record Trained(PipelineModel model, Map<String, Double> metrics, Map<String, String> params,
      RowLedger ledger, RunLineage lineage, String signature, Evaluation evaluation,
      Optional<DriftBaseline> baseline) {

    public Trained(PipelineModel model, Map<String, Double> metrics, Map<String, String> params, RowLedger ledger,
        RunLineage lineage, String signature, Evaluation evaluation) {
      this(model, metrics, params, ledger, lineage, signature, evaluation, Optional.empty());
    }

    public Trained(PipelineModel model, Map<String, Double> metrics, Map<String, String> params, RowLedger ledger,
        RunLineage lineage, String signature) {
      this(model, metrics, params, ledger, lineage, signature, new Evaluation("", metrics, List.of(), List.of(),
          Optional.empty(), Optional.empty()));
    }
  }

  private final SparkSession spark;
  private final PipelineConfig config;
  private final Progress progress;
  private final String runId = UUID.randomUUID().toString();
  private Split split;

  public TrainingLoop(SparkSession spark, PipelineConfig config, Progress progress) {
    this.spark = spark;
    this.config = config;
    this.progress = progress;
  }

  /** This loop's run: the id its registered version and its run records carry. */
  public String runId() {
    return runId;
  }

  /**
   * Source, then sample, pushing what the source can do to it. Lazy, but for the counting queries of exact
   * strategies. The bytes and rows read are measured from here until {@link StepOutput#completedLineage} is asked for,
   * which must be after the action that reads the sample.
   */
  public StepOutput sample() {
    Source source = Sources.of(config);
    SourceSampler sampler = new SourceSampler(config.sample(), java.time.Clock.systemUTC());
    ReadMetrics read = ReadMetrics.start(spark);
    SourceSampler.TakenSample taken;
    try {
      taken = sampler.take(spark, source);
    } catch (RuntimeException e) {
      read.close();
      throw e;
    }
    SourceSnapshot snapshot = taken.snapshot();
    // A probe cannot always name the columns (CSV without a header, JSON, a query): the read can.
    Preflight.checkReadColumns(config, dev.kiln.source.Source.dataColumns(snapshot.rows()));
    progress.step("source", snapshot.describe() + " (" + snapshot.pushdown().detail() + ")");
    CountedRows counted = CountedRows.of(snapshot.rows(), RowLedger.SOURCE).then(RowLedger.SAMPLED, taken.finish());
    RunLineage lineage = new RunLineage(snapshot.uri(), snapshot.format(), snapshot.version(), taken.strategy(),
        "", Map.of());
    Instant takenAt = Instant.now();
    java.util.function.Supplier<RunLineage> completed = memoize(() -> {
      read.settle().close();
      Map<String, Long> counts = counted.counts();
      return lineage.withProvenance(java.util.Optional.of(SampleProvenance.of(taken, taken.files(spark),
          config.sample().seed(), sampler.window(), counts.get(RowLedger.SOURCE), read.bytesRead(),
          counts.get(RowLedger.SAMPLED), takenAt)));
    });
    return new StepOutput(counted.rows(), lineage, counted::counts, completed);
  }

  private static <T> java.util.function.Supplier<T> memoize(java.util.function.Supplier<T> supplier) {
    return new java.util.function.Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = supplier.get();
        }
        return value;
      }
    };
  }

  /**
   * Canonical spellings, the contract check, then exact, keyed and near deduplication of the rows that pass it
   * (see docs/cleaning.md). The checked rows are cached
   * and the quarantined ones appended to the quarantine table (one Delta commit) here, so this runs two jobs; the
   * deduplicated rows are lazy. Call {@link StepOutput#release} once they have been used.
   */
  public StepOutput clean(Dataset<Row> sampled, RunLineage lineage) {
    String source = lineage.sourceUri() + lineage.sourceVersion().map(v -> "@" + v).orElse("");
    PipelineConfig.CleanConfig clean = config.clean();
    // Spellings are canonicalised before the contract sees them, so `allowed` lists canonical values only.
    Optional<ValueCanonicalizer> canonical = FeatureStages.canonicalizer(clean.canonicalize(),
        clean.canonicalize().columns());
    Dataset<Row> arrived = canonical.isPresent() ? canonical.get().transform(sampled) : sampled;
    ContractChecker checker = new ContractChecker(contractColumns(arrived), Optional.of(config.features().label()),
        "csv".equals(lineage.sourceFormat()) ? Optional.of(ContractChecker.CsvDialect.of(config.source().options()))
            : Optional.empty());
    Dataset<Row> checked = checker.check(arrived, source).persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, Long> quarantine = new java.util.TreeMap<>();
    long quarantined = 0;
    try {
      String table = QuarantineTable.location(config);
      QuarantineTable.append(checker.quarantined(checked, runId, config.name(), source, Instant.now()), table);
      for (Map.Entry<String, Long> reason : ContractChecker.countByReason(checked).entrySet()) {
        if (!reason.getKey().isEmpty()) {
          quarantine.put("quarantined_" + reason.getKey(), reason.getValue());
          quarantined += reason.getValue();
        }
      }
    } catch (RuntimeException e) {
      checked.unpersist();
      throw e;
    }
    long total = quarantined;
    Deduplicator dedup = deduplicator();
    Dataset<Row> kept = checker.kept(checked, source);
    Optional<NearDuplicates> near = clean.nearDuplicates().map(n -> new NearDuplicates(n.column(), n.threshold(),
        n.shingle(), n.hashTables(), n.seed()));
    CountedRows counted = CountedRows.of(kept, "clean_in")
        .then("after_exact", dedup::dropExactDuplicates)
        .then("after_keyed", dedup::keepLatestPerKey)
        .then("after_near", rows -> near.map(n -> n.dropNearDuplicates(rows)).orElse(rows));
    String described = (canonical.isPresent() ? "canonical " + String.join(", ", clean.canonicalize().columns())
        + "; " : "") + dedup.describe() + near.map(n -> "; " + n.describe()).orElse("");
    RunLineage cleaned = lineage.withDedup(described, Map.of());
    return new StepOutput(counted.rows(), cleaned, () -> {
      Map<String, Long> c = counted.counts();
      Map<String, Long> ledger = new LinkedHashMap<>();
      ledger.put(RowLedger.QUARANTINED, total);
      ledger.putAll(quarantine);
      ledger.put(RowLedger.EXACT_DUPLICATES, c.get("clean_in") - c.get("after_exact"));
      ledger.put(RowLedger.SUPERSEDED, c.get("after_exact") - c.get("after_keyed"));
      if (near.isPresent()) {
        ledger.put(RowLedger.NEAR_DUPLICATES, c.get("after_keyed") - c.get("after_near"));
      }
      return ledger;
    }, () -> cleaned, checked::unpersist);
  }

  /**
   * The contract's columns: from the config, or the saved inferred contract, inferring and saving it from
   * {@code sampled} on the first run (two aggregations over the sample).
   */
  private List<ColumnContract> contractColumns(Dataset<Row> sampled) {
    PipelineConfig.ContractConfig contract = config.contract();
    if (!contract.infer()) {
      return contract.columns();
    }
    String location = ContractFile.location(config);
    var hadoopConf = spark.sparkContext().hadoopConfiguration();
    Optional<List<ColumnContract>> saved = ContractFile.load(location, hadoopConf);
    if (saved.isPresent()) {
      progress.step("contract", saved.get().size() + " columns, from " + location);
      return saved.get();
    }
    List<ColumnContract> inferred = new ContractInference(contract.maxCategories(),
        Optional.of(config.features().label())).infer(sampled);
    ContractFile.save(inferred, "Inferred by Kiln on " + Instant.now() + " from the sample of " + config.name()
        + ".\nKiln enforces it on every run of the pipeline: edit it to tighten or loosen the contract, delete it "
        + "to infer again.", location, hadoopConf);
    progress.step("contract", inferred.size() + " columns inferred from the sample, saved to " + location);
    return inferred;
  }

  /**
   * Rows with a label, the label as a double, partitioned by the split columns into {@code spark.partitions} (a
   * fixed number: the same layout on any cluster; {@code auto}: {@link Parallelism}) and sorted within partitions,
   * then cached. Runs one pass, which also checks the label.
   */
  public Prepared prepare(Dataset<Row> cleaned, RunLineage lineage, RowLedger ledger) {
    String label = config.features().label();
    DataType type = cleaned.schema().apply(label).dataType();
    boolean numeric = type instanceof NumericType || type instanceof BooleanType;
    boolean text = type instanceof org.apache.spark.sql.types.StringType;
    String configured = config.model().task();
    config.evaluation().timeColumn().ifPresent(c -> TimeSplit.checkColumn(c, cleaned.schema()));
    if (!numeric && !text || !numeric && !List.of(Task.AUTO, "multiclass").contains(configured)) {
      throw new InvalidInputException("label column '" + label + "' is " + type.simpleString() + "; "
          + (Task.AUTO.equals(configured) || !numeric && !text ? "a label must be numeric, boolean or text"
              : "a " + configured + " label must be numeric or boolean"));
    }
    Column[] all = Arrays.stream(cleaned.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
    List<String> splitBy = config.evaluation().splitBy();
    Column[] partitionBy = splitBy.isEmpty() ? all : splitBy.stream().map(c -> col("`" + c + "`"))
        .toArray(Column[]::new);
    // auto: sized now, when a cluster's executors have registered, and the session's shuffles follow it.
    int partitions = config.spark().partitions().isPresent() ? config.spark().partitions().getAsInt()
        : Parallelism.apply(spark, config.spark());
    CountedRows counted = CountedRows.of(cleaned, "prepare_in");
    Column labelValue = col("`" + label + "`");
    Dataset<Row> labelled = counted.rows()
        .filter(labelValue.isNotNull())
        .withColumn(label, text ? labelValue : labelValue.cast("double"))
        .repartition(partitions, partitionBy)
        .sortWithinPartitions(xxhash64(all))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Column asNumber = col("`" + label + "`");
    // The smallest and largest label tell a label with one value (nothing to learn) from the rest.
    Column lowest = org.apache.spark.sql.functions.min(asNumber).cast("string");
    Column highest = org.apache.spark.sql.functions.max(asNumber).cast("string");
    Row check = text ? labelled.agg(count(lit(1)), lit(0L), lit(0L), lit(0L), lowest, highest).head()
        : labelled.agg(count(lit(1)),
            sum(when(asNumber.isin(0.0, 1.0), 0L).otherwise(1L)),
            sum(when(asNumber.equalTo(org.apache.spark.sql.functions.floor(asNumber)).and(asNumber.geq(0)), 0L)
                .otherwise(1L)),
            sum(when(org.apache.spark.sql.functions.isnan(asNumber), 1L).otherwise(0L)), lowest, highest).head();
    long usable = check.getLong(0);
    long notBinary = check.isNullAt(1) ? 0 : check.getLong(1);
    long notClassIndex = check.isNullAt(2) ? 0 : check.getLong(2);
    Task task = Task.AUTO.equals(configured)
        ? (text ? Task.MULTICLASS : type instanceof BooleanType || notBinary == 0 ? Task.BINARY : Task.REGRESSION)
        : Task.named(configured);
    String problem = null;
    if (usable == 0) {
      problem = "no rows with a label are left after sampling and cleaning";
    } else if (!text && check.getLong(3) > 0) {
      problem = "label column '" + label + "' has " + check.getLong(3) + " NaN values";
    } else if (java.util.Objects.equals(check.getString(4), check.getString(5))) {
      problem = String.format("label column '%s' has one value (%s) in all %,d labelled rows: there is nothing to "
          + "learn (%s)", label, check.getString(4), usable, task == Task.REGRESSION
              ? "a regression needs a label that varies" : "a classifier needs at least two classes");
    } else if (task == Task.BINARY && notBinary > 0) {
      problem = "label column '" + label + "' has " + notBinary + " rows whose value is not 0 or 1; a binary label "
          + "must be 0/1 or boolean (model.task = multiclass or regression for other labels)";
    } else if (task == Task.MULTICLASS && !text && notClassIndex > 0) {
      problem = "label column '" + label + "' has " + notClassIndex + " rows whose value is not a class number 0, 1, "
          + "2, ...; a numeric multiclass label must hold whole numbers from 0 (or use a text label)";
    }
    if (problem != null) {
      labelled.unpersist();
      throw new InvalidInputException(problem);
    }
    for (String feature : config.features().numeric()) {
      if (List.of(cleaned.columns()).contains(feature)) {
        org.apache.spark.sql.types.DataType featureType = cleaned.schema().apply(feature).dataType();
        if (!(featureType instanceof org.apache.spark.sql.types.NumericType || featureType instanceof BooleanType)) {
          labelled.unpersist();
          throw new InvalidInputException("features.numeric: column '" + feature + "' is "
              + featureType.simpleString() + " in the data, not a number (a CSV or JSON column without a single "
              + "value is read as string: give it a type in contract.columns, or leave it out)");
        }
      }
    }
    if (task == Task.REGRESSION && "stratified".equals(config.evaluation().split())) {
      labelled.unpersist();
      throw new dev.kiln.errors.InvalidConfigException(List.of(new dev.kiln.errors.ConfigProblem("the data",
          "evaluation.split", "stratified keeps each label class's share, but label '" + label + "' makes this a "
              + "regression (model.task = auto): use random or time, or set model.task")));
    }
    long in = counted.counts().get("prepare_in");
    RowLedger complete = new RowLedger().putAll(ledger.asMap());
    if (in > usable) {
      // Only a clean table written before unlabelled rows were quarantined still holds some.
      complete.put(RowLedger.MISSING_LABEL, in - usable);
    }
    complete.put(RowLedger.USABLE, usable);
    return new Prepared(labelled, lineage, complete, task);
  }

  /** The progress line of a prepared set; separate because the steps before it report only once it has run. */
  public void reportPrepared(Prepared prepared) {
    progress.step("prepare", String.format("%,d labelled rows, %d partitions, task %s",
        prepared.ledger().get(RowLedger.USABLE), prepared.rows().rdd().getNumPartitions(),
        prepared.task().configName()));
  }

  /** Fits on the training split, evaluates on the held-out split. The held-out rows never reach {@code fit}. */
  public Trained fitAndEvaluate(Prepared prepared) {
    Split split = split();
    Dataset<Row> train = split.train(prepared.rows());
    Dataset<Row> test = split.test(prepared.rows());
    long trainRows = train.count();
    long testRows = test.count();
    if (trainRows == 0 || testRows == 0) {
      throw new InvalidInputException(String.format("the split left %,d training and %,d test rows; "
          + "more data or another evaluation.test-fraction is needed", trainRows, testRows));
    }
    progress.step("split", String.format("train %,d / test %,d rows (%s)", trainRows, testRows, split.describe()));

    PipelineConfig.FeatureConfig features = withoutMostlyMissing(train);
    long outliers = 0;
    if (!"none".equals(features.outliers().method()) && "drop".equals(features.outliers().action())
        && !features.numeric().isEmpty()) {
      // Bounds from the training split only; the held-out rows are scored as they come, as serving would.
      Dataset<Row> within = train.filter(FeatureStages.outlierBounds(features).fit(train).withinBounds());
      long kept = within.count();
      outliers = trainRows - kept;
      train = within;
      trainRows = kept;
      progress.step("outliers", String.format("%,d training rows outside the %s bounds left out of the fit",
          outliers, features.outliers().method()));
    }
    RowLedger ledger = new RowLedger().putAll(prepared.ledger().asMap());
    if (outliers > 0 || "drop".equals(features.outliers().action())) {
      ledger.put(RowLedger.OUTLIERS_DROPPED, outliers);
    }
    ledger.put(RowLedger.TRAIN, trainRows).put(RowLedger.TEST, testRows);

    ModelTrainer trainer = new ModelTrainer(features, config.model(), config.clean().canonicalize(),
        prepared.task()).groupedBy(config.evaluation().splitBy());
    long started = System.nanoTime();
    PipelineModel model;
    try (FitCheckpoints checkpoints = FitCheckpoints.open(spark, config.spark().checkpointDir())) {
      model = trainer.fit(train);
    }
    progress.step("train", String.format("%s in %.1f s%s", config.model().algorithm(),
        (System.nanoTime() - started) / 1e9, trainer.tuning().map(t -> String.format(java.util.Locale.ROOT,
            " (tuned: %s, %s %.4f)", t.bestCandidate().describe(), t.metric(), t.bestCandidate().metric()))
            .orElse("")));

    // The held-out predictions serve the evaluation and the drift baseline: one pass of the model over them.
    Dataset<Row> predictions = model.transform(test).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Evaluation evaluation = evaluationOf(predictions, model, prepared.task());
      Map<String, Double> metrics = evaluation.metrics();
      progress.step("evaluate", formatMetrics(metrics));
      Map<String, String> params = new LinkedHashMap<>(trainer.effectiveParams());
      params.put("task", prepared.task().configName());
      params.put(Parallelism.PARAM, String.valueOf(prepared.rows().rdd().getNumPartitions()));
      List<String> dropped = config.features().allColumns().stream()
          .filter(c -> !features.allColumns().contains(c)).toList();
      if (!dropped.isEmpty()) {
        params.put("dropped_features", String.join(",", dropped));
      }
      DriftBaseline baseline = DriftBaseline.compute(train, inputFields(train.schema(), features),
          java.util.Set.copyOf(features.categorical()), predictions, prepared.task().configName(),
          new DriftBaseline.Options(config.monitoring().bins(), config.monitoring().topValues()));
      return new Trained(model, metrics, params, ledger, prepared.lineage(),
          signature(prepared.rows().schema(), features, prepared.task()), evaluation, Optional.of(baseline));
    } finally {
      predictions.unpersist();
    }
  }

  /**
   * The configured features without the input columns missing in more than {@code features.drop-missing-over} of
   * the training rows, and without the features that read them (one aggregation, only when that is below 1); the
   * dropped ones are reported.
   */
  private PipelineConfig.FeatureConfig withoutMostlyMissing(Dataset<Row> train) {
    PipelineConfig.FeatureConfig features = config.features();
    // Every input column a feature reads, numeric and categorical first; a column only grouped by is no feature.
    List<String> columns = new java.util.ArrayList<>(features.numeric());
    columns.addAll(features.categorical());
    features.allColumns().stream().filter(c -> !columns.contains(c) && !c.equals(features.label())
        && !features.imputeBy().contains(c)).forEach(columns::add);
    if (features.dropMissingOver() >= 1.0 || columns.isEmpty()) {
      return features;
    }
    Column[] missing = columns.stream().map(c -> {
      Column value = col("`" + c + "`");
      Column absent = features.numeric().contains(c) ? value.isNull().or(org.apache.spark.sql.functions.isnan(
          value.cast("double"))) : value.isNull();
      return org.apache.spark.sql.functions.avg(when(absent, 1.0).otherwise(0.0));
    }).toArray(Column[]::new);
    Row fractions = train.agg(missing[0], Arrays.copyOfRange(missing, 1, missing.length)).head();
    List<String> dropped = new java.util.ArrayList<>();
    StringBuilder report = new StringBuilder();
    for (int i = 0; i < columns.size(); i++) {
      if (fractions.getDouble(i) > features.dropMissingOver()) {
        dropped.add(columns.get(i));
        report.append(report.length() == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%s (%.1f%%)",
            columns.get(i), 100 * fractions.getDouble(i)));
      }
    }
    if (dropped.size() == columns.size()) {
      throw new InvalidInputException("every feature is missing in more than "
          + features.dropMissingOver() * 100 + "% of the training rows (features.drop-missing-over): " + report);
    }
    progress.step("features", dropped.isEmpty() ? "no feature over the missing-value limit"
        : "left out, over " + features.dropMissingOver() * 100 + "% missing: " + report);
    return features.without(dropped);
  }

  /** Held-out metrics of {@code model}, trained for {@code task}, on {@code test}. */
  public Map<String, Double> evaluate(PipelineModel model, Dataset<Row> test, Task task) {
    return evaluation(model, test, task).metrics();
  }

  /**
   * Held-out metrics of {@code model} on {@code test}, with the curves, confusion matrix or residuals a report
   * draws; a text label's classes are named as the model's label indexer names them.
   */
  public Evaluation evaluation(PipelineModel model, Dataset<Row> test, Task task) {
    Dataset<Row> predictions = model.transform(test).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return evaluationOf(predictions, model, task);
    } finally {
      predictions.unpersist();
    }
  }

  /** The evaluation of {@code model}'s predictions of held-out rows ({@code model.transform(test)}). */
  private Evaluation evaluationOf(Dataset<Row> predictions, PipelineModel model, Task task) {
    String label = ModelTrainer.trainedLabel(config.features().label(), predictions.schema());
    return switch (task) {
      case BINARY -> BinaryClassificationMetrics.evaluate(predictions, label);
      case MULTICLASS -> dev.kiln.evaluate.MulticlassMetrics.evaluate(predictions, label, classNames(model, label));
      case REGRESSION -> dev.kiln.evaluate.RegressionMetrics.evaluate(predictions, label);
    };
  }

  /**
   * The class names of a model that indexes its text label itself (the indexer writing {@code trainedLabel}, its
   * first stage), by class number; empty for a numeric label.
   */
  static List<String> classNames(PipelineModel model, String trainedLabel) {
    for (org.apache.spark.ml.Transformer stage : model.stages()) {
      if (stage instanceof org.apache.spark.ml.feature.StringIndexerModel labels
          && trainedLabel.equals(labels.getOutputCol())) {
        return List.of(labels.labelsArray()[0]);
      }
    }
    return List.of();
  }

  /** Saves the model under a fresh artifact location, then registers it: the record never points at nothing. */
  public ModelVersion register(Registry registry, Trained trained) {
    return register(registry, trained, Map.of());
  }

  /** As {@link #register(Registry, Trained)}, with tags on the version. */
  public ModelVersion register(Registry registry, Trained trained, Map<String, String> tags) {
    String artifact = registry.artifactLocation(config.model().name(), runId) + "/model";
    try {
      trained.model().write().save(artifact);
    } catch (java.io.IOException e) {
      throw new dev.kiln.errors.JobFailedException("could not save the model to " + artifact + ": "
          + e.getMessage(), e);
    }
    trained.baseline().ifPresent(b -> b.save(DriftBaseline.location(artifact),
        spark.sparkContext().hadoopConfiguration()));
    RunLineage lineage = trained.lineage();
    ModelVersion candidate = new ModelVersion(config.model().name(), 0, runId, Instant.now(), artifact,
        trained.metrics(), trained.params(),
        new ModelVersion.Lineage(lineage.sourceUri(), lineage.sourceFormat(), lineage.sourceVersion(),
            lineage.sample(), lineage.dedup(), split().describe(), lineage.provenanceJson()),
        trained.ledger().asMap(), config.renderedText(), config.hash(), trained.signature(), tags);
    ModelVersion stored = registry.register(candidate);
    progress.step("register", stored.ref() + " at " + artifact);
    return stored;
  }

  /** The whole loop in memory: sample, clean, prepare, fit, evaluate, register. */
  public ModelVersion run(Registry registry) {
    return register(registry, train());
  }

  /** The whole loop in memory up to a fitted and evaluated model: sample, clean, prepare, fit, evaluate. */
  public Trained train() {
    return train((trained, heldOut) -> trained);
  }

  /**
   * As {@link #train()}, then {@code then} with the fitted model and its held-out rows (cached until it returns), so
   * other models can be measured on exactly the rows this one was: how retraining compares a challenger with the
   * champion.
   */
  public <T> T train(java.util.function.BiFunction<Trained, Dataset<Row>, T> then) {
    return withPrepared(prepared -> then.apply(fitAndEvaluate(prepared), split().test(prepared.rows())));
  }

  /**
   * Samples, cleans and prepares, then calls {@code then} with the labelled rows (cached until it returns), the whole
   * row ledger and the lineage with the sample's provenance. Several models can be fitted on them, each by a loop
   * with its own model config and the same {@code evaluation} section (so the same seeded split), without reading
   * and cleaning the source again.
   */
  public <T> T withPrepared(java.util.function.Function<Prepared, T> then) {
    StepOutput sampled = sample();
    StepOutput cleaned = clean(sampled.rows(), sampled.lineage());
    // The cached prepare pass is the one action over the sampled and cleaned rows: all their counts come from it,
    // so the sample and clean steps are reported after it.
    Prepared prepared = prepare(cleaned.rows(), cleaned.lineage(), new RowLedger());
    try {
      RowLedger ledger = new RowLedger().putAll(sampled.counts().get()).putAll(cleaned.counts().get())
          .putAll(prepared.ledger().asMap());
      progress.step("sample", String.format("%,d rows sampled of %,d read (%s)", ledger.get(RowLedger.SAMPLED),
          ledger.get(RowLedger.SOURCE), sampled.lineage().sample()));
      progress.step("clean", String.format("-%,d quarantined%s, -%,d exact duplicates, -%,d superseded records%s (%s)",
          ledger.get(RowLedger.QUARANTINED), RowLedger.describeQuarantine(ledger.asMap()),
          ledger.get(RowLedger.EXACT_DUPLICATES), ledger.get(RowLedger.SUPERSEDED),
          ledger.has(RowLedger.NEAR_DUPLICATES) ? String.format(", -%,d near duplicates",
              ledger.get(RowLedger.NEAR_DUPLICATES)) : "", cleaned.lineage().dedup()));
      reportPrepared(prepared);
      RunLineage lineage = cleaned.lineage().withProvenance(sampled.completedLineage().get().provenance());
      return then.apply(new Prepared(prepared.rows(), lineage, ledger, prepared.task()));
    } finally {
      prepared.rows().unpersist();
      cleaned.release().run();
    }
  }

  /** Inputs: the feature columns as the source types them; outputs: what a classifier adds. */
  private String signature(org.apache.spark.sql.types.StructType prepared, PipelineConfig.FeatureConfig features,
      Task task) {
    org.apache.spark.sql.types.StructType inputs = new org.apache.spark.sql.types.StructType(
        inputFields(prepared, features).toArray(org.apache.spark.sql.types.StructField[]::new));
    org.apache.spark.sql.types.StructType outputs = new org.apache.spark.sql.types.StructType()
        .add("prediction", org.apache.spark.sql.types.DataTypes.DoubleType, false);
    if (task.classification() && dev.kiln.train.Algorithm.named(config.model().algorithm()).probabilistic()) {
      outputs = outputs.add("probability", new org.apache.spark.ml.linalg.VectorUDT(), false);
    }
    if (ModelTrainer.indexesLabel(prepared.apply(features.label()).dataType())) {
      outputs = outputs.add(ModelTrainer.PREDICTED_LABEL, org.apache.spark.sql.types.DataTypes.StringType, false);
    }
    return "{\"inputs\":" + inputs.json() + ",\"outputs\":" + outputs.json() + "}";
  }

  /** The signature's inputs: every feature column but the label, as {@code schema} types it. */
  private static List<org.apache.spark.sql.types.StructField> inputFields(org.apache.spark.sql.types.StructType schema,
      PipelineConfig.FeatureConfig features) {
    return features.allColumns().stream().filter(c -> !c.equals(features.label())).map(schema::apply).toList();
  }

  /**
   * The configured split, one per loop: its {@link Split#describe} says what it decided from the rows it split
   * (recorded in the registry's lineage).
   */
  public synchronized Split split() {
    if (split == null) {
      split = Split.of(config.evaluation(), config.features().label());
    }
    return split;
  }

  public Deduplicator deduplicator() {
    return new Deduplicator(config.clean().exactDedup(), config.clean().dedupKey(), config.clean().latestBy());
  }

  public static String formatMetrics(Map<String, Double> metrics) {
    StringBuilder text = new StringBuilder();
    metrics.forEach((name, value) -> {
      // Counts and the per-class and confusion-matrix entries (keys with a dot) are for the registry and the report.
      if (!name.endsWith("_rows") && !name.contains(".")) {
        text.append(text.length() == 0 ? "" : "  ").append(name).append(' ')
            .append(String.format(java.util.Locale.ROOT, "%.4f", value));
      }
    });
    return text.toString();
  }
}

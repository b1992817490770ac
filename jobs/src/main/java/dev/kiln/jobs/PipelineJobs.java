package dev.kiln.jobs;

import dev.kiln.config.HadoopPaths;
import dev.kiln.config.PipelineConfig;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.evaluate.Evaluation;
import dev.kiln.evaluate.EvaluationReport;
import dev.kiln.pipeline.RowLedger;
import dev.kiln.pipeline.RunLineage;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelArtifacts;
import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import dev.kiln.registry.RunRecord;
import dev.kiln.report.ReportFile;
import dev.kiln.sample.SampleProvenance;
import dev.kiln.source.DeltaSource;
import dev.kiln.source.MalformedInput;
import dev.kiln.source.Sources;
import dev.kiln.source.SourceSnapshot;
import io.delta.tables.DeltaTable;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The jobs behind the CLI's pipeline commands. Each is thin: it calls {@link TrainingLoop}, writes its output as one
 * Delta commit (so a re-run replaces it whole and a crash leaves the previous version), and returns a summary.
 */
public final class PipelineJobs {

  private final SparkSession spark;
  private final PipelineConfig config;
  private final TrainingLoop loop;
  private final TrainingLoop.Progress progress;

  public PipelineJobs(SparkSession spark, PipelineConfig config, TrainingLoop.Progress progress) {
    this.spark = spark;
    this.config = config;
    this.loop = new TrainingLoop(spark, config, progress);
    this.progress = progress;
  }

  /** Where the jobs report their finished steps. */
  public TrainingLoop.Progress progress() {
    return progress;
  }

  /** Where {@code kiln sample} writes by default: {@code <warehouse>/pipelines/<name>/sample}. */
  public static String sampleTable(PipelineConfig config) {
    return HadoopPaths.child(config.warehouse(), "pipelines/" + config.name() + "/sample");
  }

  public static String cleanTable(PipelineConfig config) {
    return HadoopPaths.child(config.warehouse(), "pipelines/" + config.name() + "/clean");
  }

  /**
   * Where the train, run and evaluate jobs write a version's HTML evaluation report by default:
   * {@code <warehouse>/pipelines/<name>/reports/evaluation-<model>-v<version>.html}.
   */
  public static String evaluationReport(PipelineConfig config, String model, long version) {
    return evaluationReport(config, model, String.valueOf(version));
  }

  /** As {@link #evaluationReport(PipelineConfig, String, long)}, with the version as text (a placeholder for plans). */
  public static String evaluationReport(PipelineConfig config, String model, String version) {
    return HadoopPaths.child(config.warehouse(), "pipelines/" + config.name() + "/reports/evaluation-" + model + "-v"
        + version + ".html");
  }

  /** Samples the source into {@code output}, as a Delta table (one commit) or as Parquet/Avro files. */
  public Summary sample(String output) {
    String format = config.sample().outputFormat();
    // Schema inference reads CSV and JSON too, so a malformed record can stop the source's read as well as the write.
    Written written = MalformedInput.reading(Sources.of(config), () -> {
      TrainingLoop.StepOutput sampled = loop.sample();
      return "delta".equals(format) ? writeStep(sampled, output) : writeFiles(sampled, output, format);
    });
    SampleProvenance provenance = written.lineage().provenance().orElseThrow();
    Summary summary = new Summary("sample " + config.name())
        .line("source", provenance.sourceFormat() + " " + provenance.sourceUri()
            + provenance.sourceVersion().map(v -> " @ version " + v).orElse(""))
        .line("pushdown", provenance.pushdown() + ": " + provenance.pushdownDetail());
    provenance.statement().ifPresent(statement -> summary.line("statement", statement));
    provenance.window().ifPresent(window -> summary.line("window", window.describe()));
    summary.line("sample", String.format("%,d rows (%s)", provenance.rowsSampled(), provenance.strategy()))
        .line("read", String.format("%,d rows, %s%s", provenance.rowsRead(), bytes(provenance.bytesRead()),
            provenance.fileCount() > 0 ? String.format(", %,d file%s", provenance.fileCount(),
                provenance.fileCount() == 1 ? "" : "s") : ""));
    provenance.notes().forEach(note -> summary.line("note", note));
    return summary.line("written", output + " (" + format + ")");
  }

  /** The sample provenance a version was registered with; empty for versions registered before Kiln kept it. */
  public static java.util.Optional<SampleProvenance> sampleProvenance(ModelVersion version) {
    try {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(version.lineage().sampleProvenance());
      return node.has("source_uri") ? java.util.Optional.of(SampleProvenance.fromJson(node))
          : java.util.Optional.empty();
    } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  private static String pushdownOf(ModelVersion version) {
    return sampleProvenance(version).map(p -> "; pushdown " + p.pushdown() + ": " + p.pushdownDetail()).orElse("");
  }

  /** Bytes for people: {@code 13.1 MiB}, or a count of bytes below one MiB. */
  public static String bytes(long n) {
    return n >= 1 << 20 ? String.format("%,.1f MiB", n / 1048576.0) : String.format("%,d bytes", n);
  }

  public Summary clean(String input, String output) {
    Step in = readStep(input);
    TrainingLoop.StepOutput cleaned = loop.clean(in.rows(), in.lineage());
    Map<String, Long> counts;
    try {
      counts = writeStep(cleaned, output).counts();
    } finally {
      cleaned.release().run();
    }
    long kept = in.lineage().ledger().get(RowLedger.SAMPLED) - counts.get(RowLedger.QUARANTINED)
        - counts.get(RowLedger.EXACT_DUPLICATES) - counts.get(RowLedger.SUPERSEDED)
        - counts.getOrDefault(RowLedger.NEAR_DUPLICATES, 0L);
    return new Summary("clean " + config.name())
        .line("input", in.describe())
        .line("quarantined", String.format("%,d rows%s → %s", counts.get(RowLedger.QUARANTINED),
            RowLedger.describeQuarantine(counts), dev.kiln.contract.QuarantineTable.location(config)))
        .line("clean", String.format("%,d exact duplicates, %,d superseded records%s removed, %,d rows kept (%s)",
            counts.get(RowLedger.EXACT_DUPLICATES), counts.get(RowLedger.SUPERSEDED),
            counts.containsKey(RowLedger.NEAR_DUPLICATES) ? String.format(" and %,d near duplicates",
                counts.get(RowLedger.NEAR_DUPLICATES)) : "", kept, cleaned.lineage().dedup()))
        .line("written", output);
  }

  /** Infers a contract from the step table at {@code input}; with {@code save}, where the pipeline enforces it. */
  public Summary inferContract(String input, boolean save) {
    Step in = readStep(input);
    java.util.List<PipelineConfig.ColumnContract> columns = new dev.kiln.contract.ContractInference(
        config.contract().maxCategories(), java.util.Optional.of(config.features().label())).infer(in.rows());
    String header = "Inferred by Kiln on " + java.time.Instant.now() + " from " + in.describe() + ".\n"
        + "Enforced on every run when contract.infer = true; edit it to tighten or loosen the contract.";
    Summary summary = new Summary("contract " + config.name())
        .line("input", in.describe())
        .line("columns", String.valueOf(columns.size()));
    if (save) {
      String location = dev.kiln.contract.ContractFile.location(config);
      dev.kiln.contract.ContractFile.save(columns, header, location, spark.sparkContext().hadoopConfiguration());
      summary.line("saved", location);
    }
    dev.kiln.contract.ContractFile.render(columns, header).lines().forEach(line -> summary.line("|", line));
    return summary;
  }

  public Summary train(String input) {
    return recorded(() -> {
      Step in = readStep(input);
      TrainingLoop.Prepared prepared = loop.prepare(in.rows(), in.lineage(),
          new RowLedger().putAll(in.lineage().ledger()));
      loop.reportPrepared(prepared);
      try {
        TrainingLoop.Trained trained = loop.fitAndEvaluate(prepared);
        ModelVersion version = loop.register(registry(), trained);
        String report = writeReport(version, trained.evaluation(), trained.model(), in.describe(),
            evaluationReport(config, version.name(), version.version()));
        return new Registered(version, modelSummary("train " + config.name(), version).line("input",
            in.describe()).line("report", report));
      } finally {
        prepared.rows().unpersist();
      }
    });
  }

  private record Registered(ModelVersion version, Summary summary) {}

  /**
   * Runs a training job as a recorded run: RUNNING before any work, then SUCCEEDED with the version it registered,
   * or FAILED with the message the user sees.
   */
  private Summary recorded(java.util.function.Supplier<Registered> job) {
    DeltaRegistry registry = registry();
    RunRecord run = RunRecord.started(loop.runId(), config.name(), config.hash(), config.renderedText(),
        new dev.kiln.train.ModelTrainer(config.features(), config.model()).effectiveParams(), Map.of());
    registry.recordRun(run);
    try {
      Registered done = job.get();
      registry.recordRun(run.succeeded(done.version()));
      return done.summary().line("run", loop.runId());
    } catch (RuntimeException e) {
      try {
        registry.recordRun(run.failed(String.valueOf(e.getMessage()).split("\n")[0]));
      } catch (RuntimeException secondary) {
        e.addSuppressed(secondary);
      }
      throw e;
    }
  }

  /**
   * Scores {@code input} (a Delta table, or files in {@code format}) with the version {@code modelRef} names and
   * writes the predictions for {@code runDate} to the Delta table {@code output}, partitioned by run date: one commit
   * that replaces that date's rows, so a re-run never duplicates them and other dates are untouched.
   */
  public Summary score(String input, String format, String output, String modelRef, java.time.LocalDate runDate,
      java.util.List<String> keep) {
    ModelVersion version = resolve(modelRef);
    Dataset<Row> rows;
    String described;
    if ("delta".equals(format)) {
      if (!DeltaTable.isDeltaTable(spark, input)) {
        throw new InvalidInputException("no Delta table at " + input + " (scoring.input, or --input; for files, "
            + "set scoring.input-format)");
      }
      SourceSnapshot snapshot = new DeltaSource(input).read(spark);
      rows = snapshot.rows();
      described = snapshot.describe();
    } else {
      try {
        rows = spark.read().format(format).options(config.source().options()).load(input);
      } catch (Exception e) {  // Spark reports a missing path as an AnalysisException, a checked one to Java
        throw new InvalidInputException("cannot read " + format + " files at " + input + ": "
            + String.valueOf(e.getMessage()).split("\n")[0], e);
      }
      described = format + " " + input;
    }
    PipelineModel model = ModelArtifacts.load(version);
    Dataset<Row> predictions = new dev.kiln.score.BatchScorer(version, model).score(rows, keep, runDate, input);
    // One pass: the predictions are written, not counted first; the commit's own metrics say how many there were.
    String run = java.util.UUID.randomUUID().toString();
    String metadata = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
        .put("kiln", "score").put("run", run).put("model", version.name()).put("model_version", version.version())
        .put("input", described).put("run_date", runDate.toString()).toString();
    predictions.write().format("delta").mode("overwrite").partitionBy(dev.kiln.score.BatchScorer.RUN_DATE)
        .option("replaceWhere", dev.kiln.score.BatchScorer.RUN_DATE + " = DATE'" + runDate + "'")
        .option("userMetadata", metadata).save(output);
    long scored = DeltaTable.forPath(spark, output).history(10).where(
            org.apache.spark.sql.functions.col("userMetadata").equalTo(metadata)).select("operationMetrics")
        .collectAsList().stream().findFirst()
        .map(r -> Long.parseLong(r.<String, String>getJavaMap(0).getOrDefault("numOutputRows", "0"))).orElse(0L);
    progress.step("score", String.format("%,d rows scored with %s", scored, version.ref()));
    return new Summary("score " + version.ref())
        .line("input", described)
        .line("model", version.ref() + " (" + version.params().get("algorithm") + ")")
        .line("scored", String.format("%,d rows for run date %s", scored, runDate))
        .line("written", output + " (run_date = " + runDate + " replaced)");
  }

  /**
   * Gated retraining: trains a challenger on fresh data, measures it and the champion ({@code retraining.alias}) on
   * the challenger's held-out rows, registers it and moves the alias only if it wins (see
   * {@link dev.kiln.retrain.Retraining}). With {@code retraining.data = since-champion} the fresh data is the rows of
   * the Delta source that arrived after the champion's version: {@code reconfigure} gives the config again with
   * {@code source.after-version} set, so the challenger's lineage and config say so. When nothing arrived, nothing
   * is trained and the summary says why.
   */
  public Summary retrain(java.util.function.Function<java.util.List<String>, PipelineConfig> reconfigure) {
    java.util.Optional<ModelVersion> champion = new dev.kiln.retrain.Retraining(config, registry(), progress)
        .champion();
    String source = config.source().format() + " " + config.source().path().orElse("(generated)");
    PipelineConfig challengerConfig = config;
    String data = champion.isEmpty() ? source + " (no " + config.retraining().alias() + " yet: all rows)"
        : source + " (retraining.data = all)";
    if ("since-champion".equals(config.retraining().data()) && champion.isPresent()) {
      long after = dev.kiln.retrain.Retraining.trainedOnVersion(champion.get(), config);
      String path = config.source().path().orElseThrow();
      long current = config.source().version().orElseGet(() -> DeltaSource.latestVersion(spark, path));
      if (current <= after) {
        return new Summary("retrain " + config.name())
            .line("champion", champion.get().ref() + " (" + config.model().name() + "@" + config.retraining().alias()
                + "), trained on version " + after + " of " + path)
            .line("decision", "nothing to train: no rows arrived after version " + after + " (the table is at "
                + "version " + current + ")");
      }
      challengerConfig = reconfigure.apply(java.util.List.of("source.after-version=" + after));
      data = source + ": the rows that arrived after version " + after + " (through version " + current + ")";
    }
    return new PipelineJobs(spark, challengerConfig, progress).challenge(champion, data);
  }

  private Summary challenge(java.util.Optional<ModelVersion> champion, String data) {
    return recorded(() -> {
      dev.kiln.retrain.Retraining.Outcome outcome = MalformedInput.reading(Sources.of(config),
          () -> new dev.kiln.retrain.Retraining(config, registry(), progress).run(loop, champion, data));
      ModelVersion version = outcome.challenger();
      String report = writeReport(version, outcome.trained().evaluation(), outcome.trained().model(), data,
          evaluationReport(config, version.name(), version.version()));
      Summary summary = modelSummary("retrain " + config.name(), version).line("trained on", data);
      outcome.championEvaluation().ifPresent(evaluation -> summary.line("champion", champion.get().ref()
          + " on the same held-out rows: " + TrainingLoop.formatMetrics(evaluation.metrics())));
      summary.line("decision", outcome.decision().summary());
      outcome.decision().reasons().forEach(reason -> summary.line("  because", reason));
      return new Registered(version, summary.line("report", report));
    });
  }

  /** Re-creates the held-out split of {@code input} and measures a registered version on it. */
  public Summary evaluate(String input, String modelRef) {
    return evaluate(input, modelRef, java.util.Optional.empty());
  }

  /**
   * As {@link #evaluate(String, String)}, and writes the HTML evaluation report to {@code report} (default:
   * {@link #evaluationReport}).
   */
  public Summary evaluate(String input, String modelRef, java.util.Optional<String> report) {
    ModelVersion version = resolve(modelRef);
    Step in = readStep(input);
    TrainingLoop.Prepared prepared = loop.prepare(in.rows(), in.lineage(), new RowLedger());
    loop.reportPrepared(prepared);
    try {
      Dataset<Row> test = loop.split().test(prepared.rows());
      PipelineModel model = ModelArtifacts.load(version);
      Evaluation evaluation = loop.evaluation(model, test, prepared.task());
      Map<String, Double> metrics = evaluation.metrics();
      String written = writeReport(version, evaluation, model, in.describe(),
          report.orElseGet(() -> evaluationReport(config, version.name(), version.version())));
      return new Summary("evaluate " + version.ref())
          .line("input", in.describe())
          .line("held-out", String.format("%,.0f rows (%s)", metrics.get("test_rows"), loop.split().describe()))
          .line("metrics", TrainingLoop.formatMetrics(metrics))
          .line("registered", TrainingLoop.formatMetrics(version.metrics()))
          .line("report", written);
    } finally {
      prepared.rows().unpersist();
    }
  }

  public Summary run() {
    return recorded(() -> {
      TrainingLoop.Trained trained = MalformedInput.reading(Sources.of(config), loop::train);
      ModelVersion version = loop.register(registry(), trained);
      String input = version.lineage().sourceFormat() + " " + version.lineage().sourceUri()
          + version.lineage().sourceVersion().map(v -> " @ version " + v).orElse("");
      String report = writeReport(version, trained.evaluation(), trained.model(), input,
          evaluationReport(config, version.name(), version.version()));
      return new Registered(version, modelSummary("run " + config.name(), version).line("report", report));
    });
  }

  /** Renders the evaluation report of {@code version} and writes it (atomically) to {@code location}. */
  private String writeReport(ModelVersion version, Evaluation evaluation, PipelineModel model, String input,
      String location) {
    String html = EvaluationReport.render(evaluation, new EvaluationReport.About(version.name(), version.version(),
        loop.split().describe(), input, java.time.Instant.now()), importances(model, version));
    ReportFile.write(location, html, spark.sparkContext().hadoopConfiguration());
    return location;
  }

  /**
   * The model's feature importances (or coefficients), largest first, for the report: {@code FeatureImportances}
   * reads them by feature name from the model, given the version's input schema (its signature); none for models
   * without them (naive Bayes, MLP). A failure here is reported and leaves the report without them.
   */
  private java.util.List<Map.Entry<String, Double>> importances(PipelineModel model, ModelVersion version) {
    try {
      String inputs = new com.fasterxml.jackson.databind.ObjectMapper().readTree(version.signature()).get("inputs")
          .toString();
      org.apache.spark.sql.types.StructType schema =
          (org.apache.spark.sql.types.StructType) org.apache.spark.sql.types.DataType.fromJson(inputs);
      return dev.kiln.train.FeatureImportances.of(model, spark.createDataFrame(java.util.List.of(), schema))
          .stream().map(e -> Map.entry(e.feature(), e.value())).toList();
    } catch (java.io.IOException | RuntimeException e) {
      progress.step("report", "no feature importances: " + e.getMessage());
      return java.util.List.of();
    }
  }

  public DeltaRegistry registry() {
    return new DeltaRegistry(spark, config.registry().root());
  }

  private Summary modelSummary(String title, ModelVersion version) {
    Map<String, Long> l = version.ledger();
    StringBuilder rows = new StringBuilder();
    if (l.containsKey(RowLedger.SOURCE)) {
      rows.append(String.format("source %,d → sampled %,d → ", l.get(RowLedger.SOURCE), l.get(RowLedger.SAMPLED)));
    }
    if (l.containsKey(RowLedger.QUARANTINED)) {
      rows.append(String.format("-%,d quarantined%s → ", l.get(RowLedger.QUARANTINED),
          RowLedger.describeQuarantine(l)));
    }
    if (l.containsKey(RowLedger.EXACT_DUPLICATES)) {
      rows.append(String.format("-%,d exact duplicates, -%,d superseded → ", l.get(RowLedger.EXACT_DUPLICATES),
          l.get(RowLedger.SUPERSEDED)));
    }
    rows.append(String.format("%,d labelled", l.get(RowLedger.USABLE)));
    if (l.getOrDefault(RowLedger.MISSING_LABEL, 0L) > 0) {
      rows.append(String.format(" (%,d without label)", l.get(RowLedger.MISSING_LABEL)));
    }
    rows.append(String.format(" → train %,d / test %,d", l.get(RowLedger.TRAIN), l.get(RowLedger.TEST)));
    return new Summary(title)
        .line("source", version.lineage().sourceFormat() + " " + version.lineage().sourceUri()
            + version.lineage().sourceVersion().map(v -> " @ version " + v).orElse(""))
        .line("rows", rows.toString())
        .line("sample", version.lineage().sample() + pushdownOf(version))
        .line("model", version.ref() + " (" + version.params().get("algorithm") + ")")
        .line("held-out", TrainingLoop.formatMetrics(version.metrics()))
        .line("saved", version.artifactUri())
        .line("registry", registry().versionsTable());
  }

  private ModelVersion resolve(String ref) {
    return registry().resolve(ModelRef.parse(ref));
  }

  /** A step table's rows at its latest version, with the lineage its commit carries. */
  private record Step(Dataset<Row> rows, RunLineage lineage, String describe) {}

  private Step readStep(String uri) {
    if (!DeltaTable.isDeltaTable(spark, uri)) {
      throw new InvalidInputException("no Delta table at " + uri + " (run the previous step first, or pass --input)");
    }
    SourceSnapshot snapshot = new DeltaSource(uri).read(spark);
    long version = snapshot.version().orElseThrow();
    Row commit = DeltaTable.forPath(spark, uri).history()
        .filter("version = " + version).select("userMetadata").head();
    RunLineage lineage = RunLineage.fromJson(commit.getString(0), uri);
    return new Step(snapshot.rows(), lineage, snapshot.describe());
  }

  /** What a step wrote: its counts and its lineage, completed by the write. */
  private record Written(Map<String, Long> counts, RunLineage lineage) {}

  /**
   * Caches the step's rows so one pass both completes the ledger and feeds the write, then writes them as one Delta
   * commit that carries the lineage.
   */
  private Written writeStep(TrainingLoop.StepOutput step, String output) {
    Dataset<Row> rows = step.rows().persist(StorageLevel.MEMORY_AND_DISK());
    try {
      rows.count();
      Written done = completed(step);
      rows.write().format("delta").mode("overwrite").option("overwriteSchema", "true")
          .option("userMetadata", done.lineage().toJson()).save(output);
      return done;
    } finally {
      rows.unpersist();
    }
  }

  private static Written completed(TrainingLoop.StepOutput step) {
    Map<String, Long> counts = step.counts().get();
    RunLineage done = step.completedLineage().get();
    RunLineage lineage = new RunLineage(done.sourceUri(), done.sourceFormat(), done.sourceVersion(), done.sample(),
        done.dedup(), new java.util.LinkedHashMap<>(done.ledger()), done.provenance());
    lineage.ledger().putAll(counts);
    return new Written(counts, lineage);
  }

  /**
   * Parquet or Avro output, which has no transaction log: the files and a {@code _kiln_sample.json} holding the
   * lineage are written to a sibling directory first, then renamed into place, so readers see the old output or the
   * new one, never a half-written one (on HDFS and local disk; S3 has no atomic rename — use Delta there).
   */
  private Written writeFiles(TrainingLoop.StepOutput step, String output, String format) {
    Dataset<Row> rows = step.rows().persist(StorageLevel.MEMORY_AND_DISK());
    try {
      rows.count();
      Written done = completed(step);
      Path target = new Path(output);
      Path staging = new Path(target.getParent(), "." + target.getName() + ".kiln-" + java.util.UUID.randomUUID());
      rows.write().format(format).save(staging.toString());
      FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (var out = fs.create(new Path(staging, LINEAGE_FILE), false)) {
        out.write(done.lineage().toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      Path previous = new Path(target.getParent(), "." + target.getName() + ".old-" + java.util.UUID.randomUUID());
      boolean replaced = fs.exists(target) && fs.rename(target, previous);
      if (!fs.rename(staging, target)) {
        throw new dev.kiln.errors.JobFailedException("could not move the sample from " + staging + " to " + output);
      }
      if (replaced) {
        fs.delete(previous, true);
      }
      return done;
    } catch (java.io.IOException e) {
      throw new dev.kiln.errors.JobFailedException("could not write the sample to " + output + ": "
          + e.getMessage(), e);
    } finally {
      rows.unpersist();
    }
  }

  /** The lineage file written beside Parquet and Avro step output (Spark's readers skip names starting with _). */
  public static final String LINEAGE_FILE = "_kiln_sample.json";
}

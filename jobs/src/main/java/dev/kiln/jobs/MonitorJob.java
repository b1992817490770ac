package dev.kiln.jobs;

import dev.kiln.config.HadoopPaths;
import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfig.MonitoringConfig;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.monitor.Check;
import dev.kiln.monitor.DriftAnalysis;
import dev.kiln.monitor.DriftBaseline;
import dev.kiln.monitor.LiveMetrics;
import dev.kiln.monitor.MonitorOutcome;
import dev.kiln.monitor.MonitoringReport;
import dev.kiln.monitor.MonitoringTable;
import dev.kiln.monitor.PredictionIngest;
import dev.kiln.monitor.RecentData;
import dev.kiln.monitor.RecentData.DateWindow;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import dev.kiln.report.ReportFile;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The job behind {@code kiln monitor}: resolves the version, loads the baseline saved with it, measures a window of
 * its recent predictions against it (and their labels, if given), writes the checks to the monitoring table (one
 * commit, replacing a re-run's), the HTML report and the JSON result. Core does the measuring ({@code
 * dev.kiln.monitor}); this only wires it.
 */
public final class MonitorJob {

  /** Where the recent predictions are: the prediction log's table, or a table {@code kiln score} wrote. */
  public record Input(RecentData.Kind kind, Optional<String> table) {}

  /** The summary to print, and whether a threshold was crossed (the command then exits 3). */
  public record Result(Summary summary, boolean crossed) {}

  private final SparkSession spark;
  private final PipelineConfig config;
  private final TrainingLoop.Progress progress;

  public MonitorJob(SparkSession spark, PipelineConfig config, TrainingLoop.Progress progress) {
    this.spark = spark;
    this.config = config;
    this.progress = progress;
  }

  /** {@code <model name>@champion}: what a deployment serves. */
  public static String defaultModel(PipelineConfig config) {
    return config.model().name() + "@champion";
  }

  /** The monitoring table: {@code monitoring.output}, else {@code <warehouse>/monitoring/<model>}. */
  public static String table(PipelineConfig config, String model) {
    return config.monitoring().output().orElseGet(() -> MonitoringTable.defaultLocation(config.warehouse(), model));
  }

  /** The recent table: the one given, else the prediction log's {@code <warehouse>/predictions/<model>}. */
  public static String recentTable(PipelineConfig config, Input input, String model) {
    return input.table().orElseGet(() -> PredictionIngest.defaultTable(config.warehouse(), model));
  }

  /** {@code <warehouse>/pipelines/<name>/reports/monitor-<model>-v<version>-<run date>.html}. */
  public static String report(PipelineConfig config, String model, String version, String runDate) {
    return HadoopPaths.child(config.warehouse(), "pipelines/" + config.name() + "/reports/monitor-" + model + "-v"
        + version + "-" + runDate + ".html");
  }

  /**
   * Monitors {@code modelRef} on the window of days ending at {@code runDate}.
   *
   * @param labels a labels table (Delta or Parquet) joined to the predictions by id
   * @param resultFile where to write the JSON result, also when too few rows stop the run
   * @throws InvalidInputException when the window holds fewer than {@code monitoring.min-rows} of the version's
   *     predictions (the result file says {@code insufficient_data}; nothing else is written)
   */
  public Result run(String modelRef, LocalDate runDate, Input input, Optional<String> labels,
      Optional<String> resultFile) {
    MonitoringConfig settings = config.monitoring();
    Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
    ModelVersion version = new DeltaRegistry(spark, config.registry().root()).resolve(ModelRef.parse(modelRef));
    DriftBaseline baseline = DriftBaseline.load(version, hadoopConf);
    DateWindow window = DateWindow.ending(runDate, settings.windowDays());
    String from = recentTable(config, input, version.name());
    RecentData recent = input.kind() == RecentData.Kind.PREDICTION_LOG
        ? RecentData.predictionLog(spark, from, version.name(), version.version(), baseline.inputs(), window)
        : RecentData.scoredTable(spark, from, version.name(), version.version(), baseline.inputs(), window,
            settings.labelsIdColumn());

    DriftAnalysis drift = DriftAnalysis.of(baseline, recent);
    progress.step("drift", String.format(Locale.ROOT, "%,d predictions of %s in %s", drift.rows(), version.ref(),
        recent.describe()));
    if (drift.rows() < settings.minRows()) {
      resultFile.ifPresent(f -> ReportFile.write(f, MonitorOutcome.insufficientDataJson(version.name(),
          version.version(), runDate, window, drift.rows(), settings.minRows()), hadoopConf, "the result"));
      throw new InvalidInputException(String.format(Locale.ROOT, "only %,d predictions of %s in the %s on %s, "
          + "fewer than monitoring.min-rows (%,d): nothing was judged", drift.rows(), version.ref(),
          recent.kind().label() + " " + from, window, settings.minRows()));
    }
    Optional<LiveMetrics> live = labels.map(path -> LiveMetrics.measure(recent, LiveMetrics.labels(spark, path,
        settings.labelsIdColumn().orElse("request_id"),
        settings.labelsLabelColumn().orElse(config.features().label())), baseline.task()));
    live.ifPresent(l -> progress.step("live", String.format(Locale.ROOT, "%,d labelled predictions: %s", l.rows(),
        TrainingLoop.formatMetrics(l.window().metrics()))));

    MonitorOutcome outcome = MonitorOutcome.judge(version, runDate, recent, baseline, drift, live, settings);
    String table = table(config, version.name());
    MonitoringTable.write(spark, table, outcome);
    String report = report(config, version.name(), String.valueOf(version.version()), runDate.toString());
    ReportFile.write(report, MonitoringReport.render(outcome), hadoopConf);
    resultFile.ifPresent(f -> ReportFile.write(f, outcome.resultJson(report, table), hadoopConf, "the result"));

    Summary summary = new Summary("monitor " + version.ref() + " on " + runDate)
        .line("input", recent.describe())
        .line("rows", String.format(Locale.ROOT, "%,d predictions", outcome.rows())
            + live.map(l -> String.format(Locale.ROOT, ", %,d labelled", l.rows())).orElse(""))
        .line("drift", largestDrift(drift))
        .line("live", live.map(l -> TrainingLoop.formatMetrics(l.window().metrics()) + "  (registered: "
            + TrainingLoop.formatMetrics(registered(version, l)) + ")").orElse("no labels (--labels)"))
        .line("crossed", crossed(outcome))
        .line("table", table)
        .line("report", report);
    resultFile.ifPresent(f -> summary.line("result", f));
    return new Result(summary, outcome.driftDetected());
  }

  /** The registered held-out metrics that the live ones can be compared with. */
  private static java.util.Map<String, Double> registered(ModelVersion version, LiveMetrics live) {
    java.util.Map<String, Double> registered = new java.util.LinkedHashMap<>();
    live.window().metrics().keySet().forEach(m -> {
      if (version.metrics().containsKey(m)) {
        registered.put(m, version.metrics().get(m));
      }
    });
    return registered;
  }

  /** The three columns (or outputs) whose PSI is largest. */
  private static String largestDrift(DriftAnalysis drift) {
    List<DriftAnalysis.ColumnDrift> columns = new java.util.ArrayList<>(drift.inputs());
    columns.add(drift.prediction());
    drift.probability().ifPresent(columns::add);
    return "PSI " + columns.stream().filter(c -> !Double.isNaN(c.psi()))
        .sorted(Comparator.comparingDouble(c -> -c.psi())).limit(3)
        .map(c -> String.format(Locale.ROOT, "%s %.3f", c.name(), c.psi())).collect(Collectors.joining(", "));
  }

  private static String crossed(MonitorOutcome outcome) {
    List<Check> crossed = outcome.crossed();
    if (crossed.isEmpty()) {
      return "none: no threshold crossed";
    }
    return crossed.size() + ": " + crossed.stream().map(Check::describe)
        .collect(Collectors.joining(", "));
  }
}

package dev.kiln.jobs.cli;

import dev.kiln.config.HadoopPaths;
import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.MonitorJob;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import dev.kiln.monitor.RecentData;
import dev.kiln.monitor.RecentData.DateWindow;
import dev.kiln.registry.ModelRef;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "monitor", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Measure a registered version's recent predictions against the distributions recorded when it "
        + "was trained: per input column the PSI (binned numeric and categorical values), the Kolmogorov-Smirnov "
        + "statistic (numeric) and the change of the missing share; the PSI of the predictions (and KS of a binary "
        + "classifier's probability); with --labels, accuracy, AUC, log loss (or RMSE, MAE) per day against the "
        + "version's registered held-out metrics. Thresholds and the window are the config's monitoring section.",
        "Reads the window of days ending at --run-date of the prediction log's Delta table (kiln ingest-predictions) "
            + "or of a scored table (--input). Replaces the run's rows in <warehouse>/monitoring/<model> (Delta: a "
            + "re-run never duplicates), writes <warehouse>/pipelines/<name>/reports/monitor-<model>-v<version>-"
            + "<run-date>.html and, with --result, a JSON result. Exits 3 when a threshold was crossed; fewer than "
            + "monitoring.min-rows predictions in the window exit 2 (the result says insufficient_data). See "
            + "docs/monitoring.md.",
        "",
        "Example:",
        "  bin/kiln monitor conf/pipelines/demo.conf --run-date 2026-11-22 \\",
        "      --labels warehouse/labels/churn-demo --result /tmp/monitor.json",
        "  bin/kiln monitor conf/pipelines/demo.conf --run-date 2026-11-22 \\",
        "      --model churn-demo@3 --input warehouse/scored/churn-demo"})
final class MonitorCommand extends PipelineCommand {

  @Option(names = "--run-date", required = true, paramLabel = "YYYY-MM-DD",
      description = "The last day of the window (the prediction log's date, a scored table's run_date).")
  LocalDate runDate;

  @Option(names = "--model", paramLabel = "NAME@ALIAS",
      description = "The version to monitor: NAME@ALIAS, NAME@VERSION or NAME@latest. Default: <model name>@champion.")
  String model;

  @ArgGroup(exclusive = true)
  RecentTable recent = new RecentTable();

  static final class RecentTable {
    @Option(names = "--predictions", paramLabel = "PATH",
        description = "The prediction log's Delta table. Default: <warehouse>/predictions/<model>.")
    String predictions;

    @Option(names = "--input", paramLabel = "PATH",
        description = "A scored table (Delta or Parquet, as kiln score writes it) instead of the prediction log.")
    String scored;
  }

  @Option(names = "--labels", paramLabel = "PATH",
      description = "A labels table (Delta or Parquet): monitoring.labels.id-column (default request_id) and "
          + "monitoring.labels.label-column (default features.label).")
  String labels;

  @Option(names = "--result", paramLabel = "FILE",
      description = "Write the JSON result here: status, drift_detected, the crossed checks, the report.")
  String result;

  private boolean crossed;

  @Override
  Summary run(PipelineJobs jobs, PipelineConfig config) {
    // The session PipelineCommand opened for this command is the active one.
    MonitorJob.Result outcome = new MonitorJob(SparkSession.active(), config, jobs.progress()).run(ref(config),
        runDate, input(), Optional.ofNullable(labels).map(HadoopPaths::qualify),
        Optional.ofNullable(result).map(HadoopPaths::qualify));
    crossed = outcome.crossed();
    return outcome.summary();
  }

  @Override
  int exitCode() {
    return crossed ? ExitCodes.THRESHOLD_CROSSED : ExitCodes.DONE;
  }

  @Override
  String plan(PipelineConfig config) {
    ModelRef ref = ModelRef.parse(ref(config));
    MonitorJob.Input input = input();
    DateWindow window = DateWindow.ending(runDate, config.monitoring().windowDays());
    return "monitor " + ref + ": " + input.kind().label() + " " + MonitorJob.recentTable(config, input, ref.name())
        + " on " + window + (labels == null ? "" : ", labels " + HadoopPaths.qualify(labels))
        + ", against the version's training baseline → " + MonitorJob.table(config, ref.name()) + ", report "
        + MonitorJob.report(config, ref.name(), "<version>", runDate.toString())
        + (result == null ? "" : ", result " + HadoopPaths.qualify(result));
  }

  private String ref(PipelineConfig config) {
    return model != null ? model : MonitorJob.defaultModel(config);
  }

  private MonitorJob.Input input() {
    return recent.scored != null ? new MonitorJob.Input(RecentData.Kind.SCORED_TABLE,
        Optional.of(HadoopPaths.qualify(recent.scored)))
        : new MonitorJob.Input(RecentData.Kind.PREDICTION_LOG,
            Optional.ofNullable(recent.predictions).map(HadoopPaths::qualify));
  }
}

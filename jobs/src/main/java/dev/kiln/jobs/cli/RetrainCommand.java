package dev.kiln.jobs.cli;

import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import java.time.LocalDate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "retrain", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Gated retraining: train a challenger on fresh data, measure it and the champion on the same new "
        + "held-out rows, register it, and move the champion alias only if it wins by retraining.margin with no "
        + "guardrail failing. The decision and its reasons are recorded in the registry (`kiln models show`).",
        "Fresh data (retraining.data): since-champion - the rows of the Delta source that arrived after the version "
            + "the champion was trained on; all - the source as configured (sample.window for a rolling window).",
        "Without a champion, the first model that passes min-test-rows takes the alias. When no rows arrived since "
            + "the champion's version, nothing is trained. Exit 0 whether or not the challenger was promoted.",
        "", "Example:  bin/kiln retrain conf/pipelines/churn-daily.conf --run-date 2026-11-22"})
final class RetrainCommand extends PipelineCommand {

  @Option(names = "--run-date", paramLabel = "YYYY-MM-DD", description = "The scheduler's run date (Airflow: "
      + "{{ ds }}), shown in the summary. The rows trained on are chosen by source versions, not by this date. "
      + "Default: today (UTC).")
  LocalDate runDate;

  @Override
  Summary run(PipelineJobs jobs, PipelineConfig config) {
    return jobs.retrain(this::reconfigured).line("run date", date().toString());
  }

  @Override
  String plan(PipelineConfig config) {
    PipelineConfig.RetrainingConfig r = config.retraining();
    return "train a challenger on " + ("since-champion".equals(r.data()) ? "the rows new since "
        + config.model().name() + "@" + r.alias() + "'s data" : "the source as configured") + " → compare on the "
        + "same held-out rows (" + ("auto".equals(r.metric()) ? "the task's metric" : r.metric()) + ", margin "
        + r.margin() + ", max recall drop " + r.maxRecallDrop() + ") → register → move " + config.model().name() + "@"
        + r.alias() + " if it wins (run date " + date() + ")";
  }

  private LocalDate date() {
    return runDate != null ? runDate : LocalDate.now(java.time.ZoneOffset.UTC);
  }
}

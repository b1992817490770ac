package dev.kiln.jobs.cli;

import dev.kiln.config.HadoopPaths;
import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = {"Measure a registered model version on the held-out rows of a cleaned table: the same split "
        + "(same columns, seed and fraction) that training never saw.",
        "Writes a self-contained HTML evaluation report (metrics, ROC and precision-recall curves, confusion matrix, "
            + "or predicted-against-actual and residuals for regression) to "
            + "<warehouse>/pipelines/<name>/reports/evaluation-<model>-v<version>.html, or to --report.",
        "",
        "Example:",
        "  bin/kiln evaluate conf/pipelines/demo.conf --model churn-demo@1",
        "  bin/kiln evaluate conf/pipelines/demo.conf --model churn-demo@latest --report /tmp/churn-eval.html"})
final class EvaluateCommand extends PipelineCommand {

  @Option(names = "--model", paramLabel = "NAME[@VERSION]",
      description = "The registered version; NAME alone or NAME@latest means the newest. Default: the config's "
          + "model name, newest version.")
  String model;

  @Option(names = "--input", paramLabel = "PATH",
      description = "The cleaned table. Default: <warehouse>/pipelines/<name>/clean.")
  String input;

  @Option(names = "--report", paramLabel = "PATH",
      description = "Where to write the HTML evaluation report. Default: "
          + "<warehouse>/pipelines/<name>/reports/evaluation-<model>-v<version>.html.")
  String report;

  @Override
  Summary run(PipelineJobs jobs, PipelineConfig config) {
    return jobs.evaluate(in(config), ref(config), Optional.ofNullable(report).map(HadoopPaths::qualify));
  }

  @Override
  String plan(PipelineConfig config) {
    return "evaluate " + ref(config) + " on the held-out rows of " + in(config) + ", report "
        + (report != null ? HadoopPaths.qualify(report) : PipelineJobs.evaluationReport(config, "<model>",
            "<version>"));
  }

  private String ref(PipelineConfig config) {
    return model != null ? model : config.model().name();
  }

  private String in(PipelineConfig config) {
    return pathOr(input, PipelineJobs.cleanTable(config));
  }
}

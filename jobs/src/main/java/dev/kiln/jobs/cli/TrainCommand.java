package dev.kiln.jobs.cli;

import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Split a table written by `kiln clean`, fit the pipeline on the training rows, measure it on "
        + "the held-out rows, save it and register a new model version.",
        "Writes the HTML evaluation report to <warehouse>/pipelines/<name>/reports/evaluation-<model>-v<version>.html.",
        "", "Example:  bin/kiln train conf/pipelines/demo.conf --conf model.algorithm=gbt"})
final class TrainCommand extends PipelineCommand {

  @Option(names = "--input", paramLabel = "PATH",
      description = "The cleaned table. Default: <warehouse>/pipelines/<name>/clean.")
  String input;

  @Override
  Summary run(PipelineJobs jobs, PipelineConfig config) {
    return jobs.train(in(config));
  }

  @Override
  String plan(PipelineConfig config) {
    return "split " + in(config) + " → fit " + config.model().algorithm() + " → evaluate → register "
        + config.model().name();
  }

  private String in(PipelineConfig config) {
    return pathOr(input, PipelineJobs.cleanTable(config));
  }
}

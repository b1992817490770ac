package dev.kiln.jobs.cli;

import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import picocli.CommandLine.Command;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run the whole training loop: read the source, sample, deduplicate, split, fit the feature and "
        + "model pipeline on the training rows, measure it on the held-out rows, save and register it.",
        "Writes the HTML evaluation report to <warehouse>/pipelines/<name>/reports/evaluation-<model>-v<version>.html.",
        "", "Example:  bin/kiln run conf/pipelines/demo.conf --conf sample.fraction=0.1"})
final class RunCommand extends PipelineCommand {

  @Override
  Summary run(PipelineJobs jobs, PipelineConfig config) {
    return jobs.run();
  }

  @Override
  String plan(PipelineConfig config) {
    return "sample → clean → split → fit " + config.model().algorithm() + " → evaluate → register "
        + config.model().name() + " in " + config.registry().root();
  }
}

package dev.kiln.jobs.cli;

import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sample", mixinStandardHelpOptions = true,
    description = {"Read the source and write a seeded sample of it as a Delta table (one commit; a re-run "
        + "replaces it).", "", "Example:  bin/kiln sample conf/pipelines/demo.conf --conf sample.fraction=0.01"})
final class SampleCommand extends PipelineCommand {

  @Option(names = "--output", paramLabel = "PATH",
      description = "Where to write. Default: <warehouse>/pipelines/<name>/sample.")
  String output;

  @Override
  Summary run(PipelineJobs jobs, PipelineConfig config) {
    return jobs.sample(target(config));
  }

  @Override
  String plan(PipelineConfig config) {
    return "sample fraction " + config.sample().fraction() + " seed " + config.sample().seed() + " → "
        + target(config);
  }

  private String target(PipelineConfig config) {
    return pathOr(output, PipelineJobs.sampleTable(config));
  }
}

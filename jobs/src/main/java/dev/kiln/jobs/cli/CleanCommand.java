package dev.kiln.jobs.cli;

import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "clean", mixinStandardHelpOptions = true,
    description = {"Deduplicate a sample written by `kiln sample`: drop exact duplicate rows, then keep the latest "
        + "record per business key. Writes a Delta table that carries the sample's lineage.",
        "", "Example:  bin/kiln clean conf/pipelines/demo.conf"})
final class CleanCommand extends PipelineCommand {

  @Option(names = "--input", paramLabel = "PATH",
      description = "The sample table. Default: <warehouse>/pipelines/<name>/sample.")
  String input;

  @Option(names = "--output", paramLabel = "PATH",
      description = "Where to write. Default: <warehouse>/pipelines/<name>/clean.")
  String output;

  @Override
  Summary run(PipelineJobs jobs, PipelineConfig config) {
    return jobs.clean(in(config), out(config));
  }

  @Override
  String plan(PipelineConfig config) {
    return "dedup " + in(config) + " → " + out(config);
  }

  private String in(PipelineConfig config) {
    return pathOr(input, PipelineJobs.sampleTable(config));
  }

  private String out(PipelineConfig config) {
    return pathOr(output, PipelineJobs.cleanTable(config));
  }
}

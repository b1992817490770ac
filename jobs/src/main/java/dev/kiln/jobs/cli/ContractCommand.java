package dev.kiln.jobs.cli;

import dev.kiln.config.PipelineConfig;
import dev.kiln.contract.ContractFile;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "contract", mixinStandardHelpOptions = true,
    description = {"Infer a schema contract (column types, nullability, numeric ranges, allowed categories) from a "
        + "sample written by `kiln sample`, and print it as HOCON. With --save, write it to "
        + "<warehouse>/pipelines/<name>/contract.conf, which `contract.infer = true` enforces on every later run; "
        + "or paste it into the config's `contract.columns`.",
        "", "Example:  bin/kiln sample conf/pipelines/demo.conf && bin/kiln contract conf/pipelines/demo.conf --save"})
final class ContractCommand extends PipelineCommand {

  @Option(names = "--input", paramLabel = "PATH",
      description = "The sample table. Default: <warehouse>/pipelines/<name>/sample.")
  String input;

  @Option(names = "--save", description = "Save the contract where `contract.infer = true` finds it.")
  boolean save;

  @Override
  Summary run(PipelineJobs jobs, PipelineConfig config) {
    return jobs.inferContract(in(config), save);
  }

  @Override
  String plan(PipelineConfig config) {
    return "infer a contract from " + in(config) + (save ? " → " + ContractFile.location(config) : "");
  }

  private String in(PipelineConfig config) {
    return pathOr(input, PipelineJobs.sampleTable(config));
  }
}

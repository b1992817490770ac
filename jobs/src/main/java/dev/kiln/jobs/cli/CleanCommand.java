package dev.kiln.jobs.cli;

import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "clean", mixinStandardHelpOptions = true,
    description = {"Clean a sample written by `kiln sample`: check it against the schema contract (config "
        + "`contract`), appending the rows that break it, malformed records and unlabelled rows to the quarantine "
        + "table with a reason; canonicalise spellings (`clean.canonicalize`); drop exact duplicates, all but the "
        + "latest record per business key, and near duplicates (`clean.near-duplicates`). Writes a Delta table "
        + "that carries the sample's lineage and the row ledger.",
        "", "Example:  bin/kiln clean conf/pipelines/demo.conf",
        "Quarantine: <warehouse>/pipelines/<name>/quarantine (Delta; run_id, reason, column, detail, source, "
            + "source_file, record)"})
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
    return "contract check, quarantine, dedup " + in(config) + " → " + out(config);
  }

  private String in(PipelineConfig config) {
    return pathOr(input, PipelineJobs.sampleTable(config));
  }

  private String out(PipelineConfig config) {
    return pathOr(output, PipelineJobs.cleanTable(config));
  }
}

package dev.kiln.jobs.cli;

import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sample", mixinStandardHelpOptions = true,
    description = {"Take a seeded sample of the source and write it as a Delta table (one commit; a re-run "
        + "replaces it), or as Parquet/Avro with sample.output.format.",
        "The time window and as much of the sampling as the source can do are pushed to it: TABLESAMPLE or a hash "
            + "predicate in a database, whole files with sample.blocks = true. The summary says which was used; the "
            + "sample's provenance (source, statement or files, version, seed, rows and bytes read) is kept with it.",
        "",
        "Example:",
        "  bin/kiln sample conf/pipelines/demo.conf --conf sample.fraction=0.01",
        "  bin/kiln sample conf/pipelines/demo.conf --conf sample.strategy=fixed --conf sample.size=5000",
        "  bin/kiln sample pipeline.conf --conf sample.window.column=event_time --conf sample.window.last=90d"})
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
    var sample = config.sample();
    String strategy = switch (sample.strategy()) {
      case "fixed" -> "exactly " + sample.size().orElse(0L) + " rows";
      case "stratified" -> "stratified by " + sample.stratifyBy().orElse("?") + " "
          + (sample.strataCounts().isEmpty() ? "fractions " + sample.strataFractions()
              : "counts " + sample.strataCounts());
      default -> "fraction " + sample.fraction();
    };
    return "sample " + strategy + " seed " + sample.seed()
        + sample.window().map(w -> ", last " + w.last() + " of " + w.column()).orElse("")
        + (sample.blocks() ? ", whole files first" : "") + " → " + target(config) + " (" + sample.outputFormat() + ")";
  }

  private String target(PipelineConfig config) {
    return pathOr(output, PipelineJobs.sampleTable(config));
  }
}

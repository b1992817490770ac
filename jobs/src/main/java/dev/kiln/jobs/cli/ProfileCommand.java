package dev.kiln.jobs.cli;

import dev.kiln.config.HadoopPaths;
import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.ProfileJob;
import dev.kiln.jobs.Summary;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "profile", mixinStandardHelpOptions = true,
    description = {"Profile a step table: per column its type, count, nulls, approximate distinct values, "
        + "min/max/mean/std dev, quantiles and a histogram or its top values; Pearson and Spearman correlations of "
        + "the numeric columns; each column's association with the label (features.label). Three passes over the "
        + "table, however many columns it has.",
        "Appends the profile to <warehouse>/pipelines/<name>/profiles (Delta, one row per column per run: a re-run "
            + "adds a run, never rewrites one) and writes a self-contained HTML report with the charts.",
        "",
        "Example:",
        "  bin/kiln profile conf/pipelines/demo.conf",
        "  bin/kiln profile conf/pipelines/demo.conf --input warehouse/pipelines/churn-demo/sample "
            + "--report /tmp/churn-profile.html"})
final class ProfileCommand extends PipelineCommand {

  @Option(names = "--input", paramLabel = "TABLE",
      description = "The Delta table to profile. Default: <warehouse>/pipelines/<name>/clean if it exists, else "
          + "<warehouse>/pipelines/<name>/sample.")
  String input;

  @Option(names = "--report", paramLabel = "PATH",
      description = "Where to write the HTML report. Default: <warehouse>/pipelines/<name>/profile.html.")
  String report;

  @Override
  Summary run(PipelineJobs jobs, PipelineConfig config) {
    // The session PipelineCommand opened for this command is the active one.
    return new ProfileJob(SparkSession.active(), config).run(Optional.ofNullable(input).map(HadoopPaths::qualify),
        report(config));
  }

  @Override
  String plan(PipelineConfig config) {
    String table = input != null ? HadoopPaths.qualify(input) : PipelineJobs.cleanTable(config) + " (else "
        + PipelineJobs.sampleTable(config) + ")";
    return "profile " + table + " → " + ProfileJob.profilesTable(config) + ", report " + report(config);
  }

  private String report(PipelineConfig config) {
    return pathOr(report, ProfileJob.defaultReport(config));
  }
}

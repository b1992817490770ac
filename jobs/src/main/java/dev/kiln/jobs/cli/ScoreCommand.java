package dev.kiln.jobs.cli;

import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import java.time.LocalDate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Score a table with a registered model version and write the predictions to a Delta table "
        + "partitioned by run_date. Scoring the same date again replaces that date's predictions; other dates are "
        + "untouched, so a scheduler may retry freely.",
        "Each row: the kept input columns (scoring.keep-columns; default all), prediction, probability (an array, "
            + "for probabilistic classifiers), predicted_label (text labels), model, model_version, scored_at, "
            + "run_date.",
        "", "Example:  bin/kiln score conf/pipelines/demo.conf --run-date 2026-11-21 --input warehouse/customers "
            + "--model churn-demo@champion"})
final class ScoreCommand extends PipelineCommand {

  @Option(names = "--run-date", required = true, paramLabel = "YYYY-MM-DD",
      description = "The date the predictions are for (Airflow: {{ ds }}); names the output partition.")
  LocalDate runDate;

  @Option(names = "--input", paramLabel = "PATH", description = "The table to score. Default: scoring.input, else "
      + "the pipeline's source (its path, or a generated source's table).")
  String input;

  @Option(names = "--output", paramLabel = "PATH",
      description = "The predictions table. Default: scoring.output (<warehouse>/pipelines/<name>/scores).")
  String output;

  @Option(names = "--model", paramLabel = "NAME@ALIAS", description = "The version to score with: name@alias or "
      + "name@version. Default: scoring.model (<model name>@champion).")
  String model;

  @Override
  Summary run(PipelineJobs jobs, PipelineConfig config) {
    return jobs.score(in(config), config.scoring().inputFormat(), out(config), ref(config), runDate,
        config.scoring().keepColumns());
  }

  @Override
  String plan(PipelineConfig config) {
    return "score " + config.scoring().inputFormat() + " " + in(config) + " with " + ref(config) + " → "
        + out(config) + " (run_date = " + runDate + ")";
  }

  private String in(PipelineConfig config) {
    if (input != null) {
      return pathOr(input, null);
    }
    return config.scoring().input().orElseThrow(() -> new picocli.CommandLine.ParameterException(
        spec.commandLine(), "no table to score: give --input or set scoring.input (the source has no path)"));
  }

  private String out(PipelineConfig config) {
    return pathOr(output, config.scoring().output());
  }

  private String ref(PipelineConfig config) {
    String ref = model != null ? model : config.scoring().model();
    dev.kiln.registry.ModelRef.parse(ref);
    return ref;
  }
}

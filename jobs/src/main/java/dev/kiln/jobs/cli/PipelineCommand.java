package dev.kiln.jobs.cli;

import com.typesafe.config.Config;
import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.config.HadoopPaths;
import dev.kiln.jobs.PipelineJobs;
import dev.kiln.jobs.Summary;
import dev.kiln.pipeline.Preflight;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every pipeline command does: load the config's layers, check them against the source's metadata, stop
 * there on {@code --dry-run}, else open Spark, run the job, print its summary.
 */
abstract class PipelineCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "PIPELINE_CONF",
      description = "The pipeline config file (HOCON), e.g. conf/pipelines/demo.conf.")
  Path pipelineFile;

  @Mixin
  SparkOptions spark;

  @Spec
  CommandSpec spec;

  @ParentCommand
  Kiln kiln;

  /** Runs the job; the config is valid and Spark is up. */
  abstract Summary run(PipelineJobs jobs, PipelineConfig config);

  /** Names the job's output for --dry-run. */
  abstract String plan(PipelineConfig config);

  /** The exit code of a job that ran to its end: {@link ExitCodes#DONE} unless a command says otherwise. */
  int exitCode() {
    return ExitCodes.DONE;
  }

  @Override
  public Integer call() {
    long started = System.nanoTime();
    Config layers = ConfigLayers.load(pipelineFile, kiln.environment(), spark.overrides);
    PipelineConfig config = Preflight.check(layers, hadoopConf(layers));
    PrintWriter out = spec.commandLine().getOut();
    if (spark.dryRun) {
      new Summary(spec.name() + " " + config.name() + " (dry run: config valid, nothing run)")
          .line("config", pipelineFile + " (sha256 " + config.hash().substring(0, 12) + ")")
          .line("source", config.source().format() + " " + config.source().path().orElse("(generated)"))
          .line("plan", plan(config))
          .line("master", spark.master().orElse(System.getProperty("spark.master", config.spark().master())))
          .print(out, (System.nanoTime() - started) / 1e9);
      return ExitCodes.DONE;
    }
    PrintWriter err = spec.commandLine().getErr();
    SparkSession session = kiln.sessions().open("kiln " + spec.name() + " " + config.name(), spark.master(), config);
    try {
      Summary summary = run(new PipelineJobs(session, config, (step, detail) -> {
        err.printf("[kiln] %-9s %s%n", step, detail);
        err.flush();
      }), config);
      summary.print(out, (System.nanoTime() - started) / 1e9);
      return exitCode();
    } finally {
      kiln.sessions().close(session);
    }
  }

  /** The config again, with {@code extra} overrides after the user's (how retraining pins the rows it learns from). */
  PipelineConfig reconfigured(java.util.List<String> extra) {
    java.util.List<String> overrides = new java.util.ArrayList<>(spark.overrides);
    overrides.addAll(extra);
    Config layers = ConfigLayers.load(pipelineFile, kiln.environment(), overrides);
    return Preflight.check(layers, hadoopConf(layers));
  }

  /** The Hadoop settings the config gives Spark ({@code spark.hadoop.*}), so preflight reaches the same stores. */
  static Configuration hadoopConf(Config layers) {
    Configuration conf = new Configuration();
    sparkConf(layers).forEach((key, value) -> {
      if (key.startsWith("spark.hadoop.")) {
        conf.set(key.substring("spark.hadoop.".length()), value);
      }
    });
    return conf;
  }

  /** The config's {@code spark.conf} section, flattened as the pipeline config reads it (problems are its to report). */
  static java.util.Map<String, String> sparkConf(Config layers) {
    return new dev.kiln.config.ConfigReader(layers).stringMap("spark.conf");
  }

  /** The path a user gave, qualified, or the step's default location. */
  static String pathOr(String given, String defaultLocation) {
    return given != null ? HadoopPaths.qualify(given) : defaultLocation;
  }
}

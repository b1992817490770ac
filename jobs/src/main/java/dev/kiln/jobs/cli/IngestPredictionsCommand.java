package dev.kiln.jobs.cli;

import com.typesafe.config.Config;
import dev.kiln.config.HadoopPaths;
import dev.kiln.jobs.Summary;
import dev.kiln.monitor.PredictionIngest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "ingest-predictions", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Merge a model's prediction log (the Avro files a serving process appends under "
        + "<log-root>/<model>/version=<n>/date=<yyyy-MM-dd>/) into a Delta table, exactly once: files the table "
        + "already has are skipped unread, and a request already in the table is never inserted again, however often "
        + "this runs and wherever an earlier run stopped. One commit per run. See docs/monitoring.md.",
        "",
        "Example:  bin/kiln ingest-predictions --log-root s3a://lake/prediction-log --model churn "
            + "--config conf/pipelines/prod.conf",
        "          bin/kiln ingest-predictions --log-root /var/lib/kiln/prediction-log --model churn "
            + "--table warehouse/monitoring/churn",
        "          bin/kiln ingest-predictions --log-root s3a://lake/prediction-log --model churn "
            + "--config conf/pipelines/prod.conf --dry-run"})
final class IngestPredictionsCommand implements Callable<Integer> {

  @Option(names = "--log-root", required = true, paramLabel = "URI",
      description = "The prediction log's root, as the serving process was given it (a local path or Hadoop URI).")
  String logRoot;

  @Option(names = "--model", required = true, paramLabel = "NAME", description = "The registered model's name.")
  String model;

  @Option(names = "--table", paramLabel = "URI",
      description = "The Delta table (created on first use). Default: <warehouse>/predictions/<model>.")
  String table;

  @Option(names = "--config", paramLabel = "PIPELINE_CONF",
      description = "Take the warehouse and Spark settings (e.g. S3 credentials) from this pipeline config.")
  Path configFile;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--master", paramLabel = "URL", description = "Spark master. Default: local[*].")
  String master;

  @Option(names = "--dry-run",
      description = "Validate the arguments and the config, print what would be read and written; read no log file, "
          + "start no Spark.")
  boolean dryRun;

  @Option(names = "--stacktrace", description = "On failure, print the full stack trace too.")
  boolean stacktrace;

  @Spec
  CommandSpec spec;

  @ParentCommand
  Kiln kiln;

  @Override
  public Integer call() {
    long started = System.nanoTime();
    Config layers = RegistryCommand.layers(configFile, kiln.environment(), overrides);
    String target = PipelineCommand.pathOr(table, PredictionIngest.defaultTable(layers.getString("warehouse"),
        model));
    if (dryRun) {
      // defaultTable has validated the model name; whether the log has files yet is the run's to find out.
      new Summary("ingest-predictions " + model + " (dry run: arguments and config valid, nothing read)")
          .line("log", HadoopPaths.child(HadoopPaths.qualify(logRoot), model))
          .line("table", target)
          .line("master", RegistryCommand.master(master).orElse(System.getProperty("spark.master")))
          .print(spec.commandLine().getOut(), (System.nanoTime() - started) / 1e9);
      return ExitCodes.DONE;
    }
    SparkSession spark = kiln.sessions().open("kiln ingest-predictions " + model, RegistryCommand.master(master), 4,
        PipelineCommand.sparkConf(layers));
    PredictionIngest.Result result;
    try {
      result = new PredictionIngest(spark).ingest(logRoot, model, target);
    } finally {
      kiln.sessions().close(spark);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(String.format(Locale.ROOT, "kiln ingest-predictions %s: %s read (%d ingested before), "
            + "%,d rows inserted, %,d already present -> %s (%.1f s)", model, files(result.filesRead()),
        result.filesSkipped(), result.inserted(), result.alreadyPresent(), result.table(),
        (System.nanoTime() - started) / 1e9));
    out.flush();
    return ExitCodes.DONE;
  }

  private static String files(long count) {
    return count + (count == 1 ? " file" : " files");
  }
}

package dev.kiln.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options every command that starts Spark shares. */
public final class SparkOptions {

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master: local[N], spark://host:port, ... Default: the one spark-submit set, else the "
          + "config's spark.master (local[*]).")
  String master;

  @Option(names = "--conf", paramLabel = "KEY=VALUE",
      description = "Override a config key, e.g. --conf sample.fraction=0.1 (repeatable; wins over the file and "
          + "KILN_CONF_* environment variables).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--dry-run",
      description = "Validate the arguments, the config and the source's metadata, print the plan, start no Spark work.")
  boolean dryRun;

  @Option(names = "--stacktrace", description = "On failure, print the full stack trace too.")
  boolean stacktrace;

  Optional<String> master() {
    return Optional.ofNullable(master);
  }
}

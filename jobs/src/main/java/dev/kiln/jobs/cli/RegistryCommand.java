package dev.kiln.jobs.cli;

import com.typesafe.config.Config;
import dev.kiln.config.ConfigLayers;
import dev.kiln.config.HadoopPaths;
import dev.kiln.config.PipelineConfigParser;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.registry.DeltaRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every registry command shares: which registry (the {@code --registry} root, else {@code registry.root} of
 * {@code --config} or of the defaults, i.e. {@code ./warehouse/registry}), and a Spark session to read it with.
 */
abstract class RegistryCommand implements Callable<Integer> {

  @Option(names = "--registry", paramLabel = "ROOT",
      description = "The registry root (a local or Hadoop path). Default: registry.root of --config, else "
          + "warehouse/registry.")
  String registryRoot;

  @Option(names = "--config", paramLabel = "PIPELINE_CONF",
      description = "Take registry.root and Spark settings (e.g. S3 credentials) from this pipeline config.")
  Path configFile;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
  List<String> overrides = new java.util.ArrayList<>();

  @Option(names = "--master", paramLabel = "URL", description = "Spark master. Default: local[*].")
  String master;

  @Option(names = "--stacktrace", description = "On failure, print the full stack trace too.")
  boolean stacktrace;

  @Spec
  CommandSpec spec;

  /** The {@code models} or {@code runs} group this command belongs to. */
  abstract Kiln kiln();

  abstract void run(DeltaRegistry registry);

  /**
   * The config's layers for a command that reads only its settings (warehouse, registry root, Spark): a
   * {@code --config} file is checked the way the pipeline commands check it, but only for unknown keys and the
   * {@code registry} and {@code spark} sections, so a typo is not silently ignored.
   */
  static Config layers(Path configFile, Map<String, String> environment, List<String> overrides) {
    Config layers = ConfigLayers.load(configFile, environment, overrides);
    if (configFile != null) {
      PipelineConfigParser.Result parsed = PipelineConfigParser.parse(layers);
      List<dev.kiln.errors.ConfigProblem> structural = parsed.problems().stream()
          .filter(p -> p.message().startsWith("unknown key") || p.key().startsWith("registry")
              || p.key().startsWith("spark")).toList();
      if (!structural.isEmpty()) {
        throw new InvalidConfigException(structural);
      }
    }
    return layers;
  }

  /** The {@code --master} flag, else the one spark-submit set (empty), else local mode. */
  static Optional<String> master(String flag) {
    return Optional.ofNullable(flag).or(() ->
        System.getProperty("spark.master") != null ? Optional.empty() : Optional.of("local[*]"));
  }

  @Override
  public Integer call() {
    Config layers = layers(configFile, kiln().environment(), overrides);
    String root = registryRoot != null ? HadoopPaths.qualify(registryRoot) : HadoopPaths.qualify(
        layers.getString("registry.root"));
    Map<String, String> sparkConf = PipelineCommand.sparkConf(layers);
    SparkSession spark = kiln().sessions().open("kiln " + spec.qualifiedName(" "), master(master), 4, sparkConf);
    try {
      run(new DeltaRegistry(spark, root));
      return ExitCodes.DONE;
    } finally {
      kiln().sessions().close(spark);
    }
  }
}

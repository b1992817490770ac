package dev.kiln.jobs.cli;

import com.typesafe.config.Config;
import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.errors.ConfigProblem;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.JobFailedException;
import dev.kiln.jobs.TextTable;
import dev.kiln.pipeline.Parallelism;
import dev.kiln.pipeline.Preflight;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "reproduce", mixinStandardHelpOptions = true,
    description = {"Retrain a registered version from the config it recorded, reading its source at the Delta "
        + "version it recorded, and check that the held-out metrics and the row ledger come out the same.",
        "Secrets were redacted when the config was recorded: give them again through KILN_CONF_* or --conf. "
            + "Exits 1 when the metrics differ by more than --tolerance.", "",
        "Example:  bin/kiln reproduce churn-demo@3",
        "          bin/kiln reproduce churn-demo@champion --register --registry s3a://lake/kiln/registry"})
final class ReproduceCommand extends RegistryCommand {

  @Parameters(index = "0", paramLabel = "NAME@VERSION", description = "The version to reproduce (or NAME@ALIAS).")
  String ref;

  @Option(names = "--tolerance", defaultValue = "1e-9",
      description = "Largest difference allowed in any metric. Default: ${DEFAULT-VALUE}.")
  double tolerance;

  @Option(names = "--register",
      description = "Also register the reproduced model as a new version, tagged reproduction_of=NAME@VERSION.")
  boolean register;

  @ParentCommand
  Kiln kiln;

  @Override
  Kiln kiln() {
    return kiln;
  }

  @Override
  void run(DeltaRegistry registry) {
    ModelVersion original = registry.resolve(ModelRef.parse(ref));
    List<String> pins = pins(original.params(), overrides);
    original.lineage().sourceVersion().ifPresent(v -> pins.add("source.version=" + v));
    // A window given as "the last 90 days" ended when the sample was taken: take it again with the same end.
    windowEnd(original).ifPresent(end -> pins.add("sample.window.end=" + end));
    Config layers = ConfigLayers.loadRecorded(original.config(), "config of " + original.ref(),
        kiln.environment(), pins);
    List<ConfigProblem> redacted = ConfigLayers.redactedKeys(layers).stream()
        .map(key -> new ConfigProblem("config of " + original.ref(), key,
            "was redacted when recorded; give it with KILN_CONF_... or --conf " + key + "=..."))
        .toList();
    if (!redacted.isEmpty()) {
      throw new InvalidConfigException(redacted);
    }
    PipelineConfig config = Preflight.check(layers, PipelineCommand.hadoopConf(layers));
    var spark = registry.spark();
    Parallelism.apply(spark, config.spark());

    PrintWriter err = spec.commandLine().getErr();
    TrainingLoop loop = new TrainingLoop(spark, config, (step, detail) -> {
      err.printf("[kiln] %-9s %s%n", step, detail);
      err.flush();
    });
    TrainingLoop.Trained trained = loop.train();

    PrintWriter out = spec.commandLine().getOut();
    TextTable table = new TextTable("", original.ref(), "reproduced", "difference");
    double worst = 0;
    for (String metric : new TreeSet<>(original.metrics().keySet())) {
      double recorded = original.metrics().get(metric);
      Double now = trained.metrics().get(metric);
      double difference = now == null ? Double.POSITIVE_INFINITY : Math.abs(now - recorded);
      worst = Math.max(worst, difference);
      table.row(metric, format(recorded), now == null ? "-" : format(now),
          String.format(Locale.ROOT, "%.2e", difference));
    }
    boolean sameRows = original.ledger().equals(trained.ledger().asMap());
    out.println();
    table.print(out);
    out.printf("  rows       %s%n", sameRows ? "the same " + original.ledger()
        : "DIFFERENT: recorded " + original.ledger() + ", now " + trained.ledger().asMap());
    out.printf("  source     %s%s%n", original.lineage().sourceUri(),
        original.lineage().sourceVersion().map(v -> " @ version " + v).orElse(" (unversioned files: the data may "
            + "have changed since)"));
    if (register) {
      ModelVersion stored = loop.register(registry, trained, Map.of("reproduction_of", original.ref()));
      out.printf("  registered %s%n", stored.ref());
    }
    out.flush();
    if (worst > tolerance || !sameRows) {
      throw new JobFailedException(String.format(Locale.ROOT, "%s was not reproduced: %s", original.ref(),
          !sameRows ? "the rows differ" : "a metric differs by " + String.format(Locale.ROOT, "%.2e", worst)
              + " (tolerance " + tolerance + ")"));
    }
    out.printf("%s reproduced: every metric within %s%n", original.ref(), tolerance);
    out.flush();
  }

  private static String format(double value) {
    return String.format(Locale.ROOT, "%.10f", value);
  }

  /** The end of the sample's time window, from the version's provenance, when it had one. */
  private static java.util.Optional<String> windowEnd(ModelVersion version) {
    return dev.kiln.jobs.PipelineJobs.sampleProvenance(version).flatMap(p -> p.window())
        .map(w -> w.end().toString());
  }

  /**
   * The partitions the original fit had (recorded by the training loop; sized to its cluster when
   * {@code spark.partitions = auto}), then the {@code --conf} overrides, which win.
   */
  static List<String> pins(Map<String, String> params, List<String> overrides) {
    List<String> pins = new ArrayList<>();
    Optional.ofNullable(params.get(Parallelism.PARAM)).ifPresent(n -> pins.add("spark.partitions=" + n));
    pins.addAll(overrides);
    return pins;
  }
}

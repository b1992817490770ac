package dev.kiln.jobs.cli;

import dev.kiln.jobs.TextTable;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.registry.AliasMove;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "models", mixinStandardHelpOptions = true,
    description = {"List, inspect, compare and alias registered models.", "",
        "Example:  bin/kiln models list",
        "          bin/kiln models show churn-demo@champion",
        "          bin/kiln models alias churn-demo champion 3 --reason \"best AUC on October data\"",
        "          bin/kiln models compare churn-demo@1 churn-demo@2"},
    subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Show.class, ModelsCommand.Alias.class,
        ModelsCommand.Compare.class, ModelsCommand.Search.class})
final class ModelsCommand implements Runnable {

  /** How every registry listing shows a time. */
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
      .withZone(ZoneOffset.UTC);

  @ParentCommand
  Kiln kiln;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a models command is required: list, show, "
        + "alias or compare");
  }

  abstract static class ModelsSubcommand extends RegistryCommand {
    @ParentCommand
    ModelsCommand models;

    @Override
    Kiln kiln() {
      return models.kiln;
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {"Every registered model: its latest version, aliases and held-out metrics.", "",
          "Example:  bin/kiln models list --registry s3a://lake/kiln/registry --config conf/pipelines/prod.conf"})
  static final class ListModels extends ModelsSubcommand {
    @Override
    void run(DeltaRegistry registry) {
      TextTable table = new TextTable("NAME", "LATEST", "ALIASES", "AUC_ROC", "ALGORITHM", "CREATED");
      for (ModelVersion latest : registry.models()) {
        String aliases = registry.aliases(latest.name()).entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
        table.row(latest.name(), latest.version(), aliases.isEmpty() ? "-" : aliases,
            metric(latest, "auc_roc"), latest.params().get("algorithm"), TIME.format(latest.createdAt()));
      }
      table.print(out());
    }
  }

  @Command(name = "search", mixinStandardHelpOptions = true,
      description = {"Versions of any model matching a SQL condition over the registry's columns (name, version, "
          + "metrics, params, tags, source_uri, source_version, created_at, ...), best first.", "",
          "Example:  bin/kiln models search \"metrics['auc_roc'] > 0.8 and params['algorithm'] = 'gbt'\"",
          "          bin/kiln models search \"tags['team'] = 'risk'\" --order-by created_at"})
  static final class Search extends ModelsSubcommand {
    @Parameters(index = "0", paramLabel = "CONDITION", description = "A SQL condition; quote it for the shell.")
    String condition;

    @Option(names = "--order-by", defaultValue = "metrics['auc_roc']",
        description = "A SQL expression, highest first. Default: ${DEFAULT-VALUE}.")
    String orderBy;

    @Option(names = "--limit", defaultValue = "20", description = "Default: ${DEFAULT-VALUE}.")
    int limit;

    @Override
    void run(DeltaRegistry registry) {
      TextTable table = new TextTable("VERSION", "AUC_ROC", "ALGORITHM", "SOURCE", "CREATED");
      for (ModelVersion v : registry.search(condition, orderBy, limit)) {
        table.row(v.ref(), metric(v, "auc_roc"), v.params().get("algorithm"), v.lineage().sourceUri()
            + v.lineage().sourceVersion().map(s -> "@" + s).orElse(""), TIME.format(v.createdAt()));
      }
      table.print(out());
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = {"One version in full: metrics, parameters, lineage, row ledger, aliases, and the retraining "
          + "decision about it (`kiln retrain`).", "",
          "Example:  bin/kiln models show churn-demo@champion --with-config"})
  static final class Show extends ModelsSubcommand {
    @Parameters(index = "0", paramLabel = "NAME[@VERSION|@ALIAS]", description = "Default version: the latest.")
    String ref;

    @Option(names = "--with-config", description = "Also print the pipeline config it was trained with.")
    boolean withConfig;

    @Override
    void run(DeltaRegistry registry) {
      ModelVersion v = registry.resolve(ModelRef.parse(ref));
      PrintWriter out = out();
      String aliases = registry.aliases(v.name()).entrySet().stream().filter(e -> e.getValue() == v.version())
          .map(Map.Entry::getKey).collect(Collectors.joining(", "));
      out.printf("%s%s%n", v.ref(), aliases.isEmpty() ? "" : "  (" + aliases + ")");
      out.printf("  created    %s by run %s%n", TIME.format(v.createdAt()), v.runId());
      out.printf("  artifact   %s%n", v.artifactUri());
      out.printf("  metrics    %s%n", TrainingLoop.formatMetrics(v.metrics()));
      out.printf("  params     %s%n", v.params());
      out.printf("  source     %s %s%s%n", v.lineage().sourceFormat(), v.lineage().sourceUri(),
          v.lineage().sourceVersion().map(s -> " @ version " + s).orElse(""));
      out.printf("  sample     %s%n", v.lineage().sample());
      dev.kiln.jobs.PipelineJobs.sampleProvenance(v).ifPresent(p -> {
        out.printf("  pushdown   %s: %s%n", p.pushdown(), p.pushdownDetail());
        p.statement().ifPresent(statement -> out.printf("  statement  %s%n", statement));
        out.printf("  read       %,d rows, %s, sampled %,d%n", p.rowsRead(),
            dev.kiln.jobs.PipelineJobs.bytes(p.bytesRead()), p.rowsSampled());
      });
      out.printf("  dedup      %s%n", v.lineage().dedup());
      out.printf("  split      %s%n", v.lineage().split());
      out.printf("  ledger     %s%n", v.ledger());
      out.printf("  config     sha256 %s%n", v.configHash());
      if (!v.tags().isEmpty()) {
        out.printf("  tags       %s%n", v.tags());
      }
      // The retraining decision that judged this version as a challenger, with every reason.
      registry.decisions(v.name()).stream().filter(d -> d.challengerVersion() == v.version()).forEach(d -> {
        out.printf("  decision   %s, %s%n", TIME.format(d.decidedAt()), d.summary());
        d.reasons().forEach(reason -> out.printf("    because  %s%n", reason));
      });
      if (withConfig) {
        out.println();
        out.println(v.config());
      }
      out.flush();
    }
  }

  @Command(name = "alias", mixinStandardHelpOptions = true,
      description = {"Point NAME@ALIAS at a version (champion, challenger, or any name); the move is recorded "
          + "with its reason, and `models show` lists the history.", "",
          "Example:  bin/kiln models alias churn-demo champion 3 --reason \"best AUC on October data\""})
  static final class Alias extends ModelsSubcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "ALIAS")
    String alias;

    @Parameters(index = "2", paramLabel = "VERSION")
    long version;

    @Option(names = "--reason", defaultValue = "set by hand", description = "Why; kept with the move.")
    String reason;

    @Override
    void run(DeltaRegistry registry) {
      Long before = registry.aliases(name).get(alias);
      AliasMove move = registry.setAlias(name, alias, version, reason);
      out().printf("%s@%s -> %d%s (%s)%n", name, alias, move.version(),
          before == null ? " (new alias)" : " (was " + before + ")", reason);
      out().flush();
    }
  }

  @Command(name = "compare", mixinStandardHelpOptions = true,
      description = {"Two versions side by side: held-out metrics with their difference, parameters and lineage "
          + "(differences marked *).", "",
          "Example:  bin/kiln models compare churn-demo@champion churn-demo@challenger"})
  static final class Compare extends ModelsSubcommand {
    @Parameters(index = "0", paramLabel = "A")
    String first;

    @Parameters(index = "1", paramLabel = "B")
    String second;

    @Override
    void run(DeltaRegistry registry) {
      ModelVersion a = registry.resolve(ModelRef.parse(first));
      ModelVersion b = registry.resolve(ModelRef.parse(second));
      TextTable table = new TextTable("", a.ref(), b.ref(), "B - A");
      for (String metric : new TreeSet<>(union(a.metrics().keySet(), b.metrics().keySet()))) {
        Double x = a.metrics().get(metric);
        Double y = b.metrics().get(metric);
        table.row(metric, format(x), format(y), x == null || y == null ? "" : String.format(Locale.ROOT, "%+.4f",
            y - x));
      }
      for (String param : new TreeSet<>(union(a.params().keySet(), b.params().keySet()))) {
        String x = a.params().get(param);
        String y = b.params().get(param);
        table.row((Objects.equals(x, y) ? " " : "*") + param, x, y, "");
      }
      row(table, "source", source(a), source(b));
      row(table, "sample", a.lineage().sample(), b.lineage().sample());
      row(table, "dedup", a.lineage().dedup(), b.lineage().dedup());
      row(table, "split", a.lineage().split(), b.lineage().split());
      row(table, "config", a.configHash().substring(0, 12), b.configHash().substring(0, 12));
      table.print(out());
    }

    private static void row(TextTable table, String label, String x, String y) {
      table.row((x.equals(y) ? " " : "*") + label, x, y, "");
    }

    private static String source(ModelVersion v) {
      return v.lineage().sourceUri() + v.lineage().sourceVersion().map(s -> "@" + s).orElse("");
    }

    private static java.util.Set<String> union(java.util.Set<String> x, java.util.Set<String> y) {
      java.util.Set<String> all = new java.util.HashSet<>(x);
      all.addAll(y);
      return all;
    }
  }

  static String metric(ModelVersion v, String name) {
    return format(v.metrics().get(name));
  }

  static String format(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.4f", value);
  }
}

package dev.kiln.jobs.cli;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.jobs.TextTable;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.RunRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "runs", mixinStandardHelpOptions = true,
    description = {"Training runs: every `kiln run` and `kiln train`, including those that failed or never "
        + "finished.", "",
        "Example:  bin/kiln runs list --pipeline churn-demo",
        "          bin/kiln runs show 1cbd44bc-f47f-496c-85a7-7557173a8086"},
    subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class})
final class RunsCommand implements Runnable {

  private static final DateTimeFormatter TIME = ModelsCommand.TIME;

  @ParentCommand
  Kiln kiln;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a runs command is required: list or show");
  }

  abstract static class RunsSubcommand extends RegistryCommand {
    @ParentCommand
    RunsCommand runs;

    @Override
    Kiln kiln() {
      return runs.kiln;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {"The newest runs first: status, duration, the version registered, its AUC.", "",
          "Example:  bin/kiln runs list --pipeline churn-demo --limit 5"})
  static final class ListRuns extends RunsSubcommand {
    @Option(names = "--pipeline", paramLabel = "NAME", description = "Only this pipeline's runs.")
    String pipeline;

    @Option(names = "--limit", defaultValue = "20", description = "At most this many. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Override
    void run(DeltaRegistry registry) {
      TextTable table = new TextTable("RUN", "PIPELINE", "STATUS", "STARTED", "TOOK", "MODEL", "AUC_ROC");
      for (RunRecord run : registry.runs(Optional.ofNullable(pipeline), limit)) {
        table.row(run.runId(), run.pipeline(), run.status(), TIME.format(run.startedAt()), took(run),
            run.model().orElse("-"), ModelsCommand.format(run.metrics().get("auc_roc")));
      }
      table.print(spec.commandLine().getOut());
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = {"One run: status, timing, the version it registered with its metrics and row ledger, or why "
          + "it failed.", "", "Example:  bin/kiln runs show 1cbd44bc-f47f-496c-85a7-7557173a8086"})
  static final class Show extends RunsSubcommand {
    @Parameters(index = "0", paramLabel = "RUN_ID")
    String runId;

    @Override
    void run(DeltaRegistry registry) {
      RunRecord run = registry.run(runId).orElseThrow(() -> new InvalidInputException("no run " + runId
          + " in the registry at " + registry.runsTable()));
      PrintWriter out = spec.commandLine().getOut();
      out.printf("run %s of %s: %s%n", run.runId(), run.pipeline(), run.status());
      out.printf("  started    %s%n", TIME.format(run.startedAt()));
      run.endedAt().ifPresent(end -> out.printf("  ended      %s (%s)%n", TIME.format(end), took(run)));
      out.printf("  config     sha256 %s%n", run.configHash());
      out.printf("  code       %s%n", run.codeVersion());
      if (!run.params().isEmpty()) {
        out.printf("  params     %s%n", run.params());
      }
      run.source().ifPresent(source -> out.printf("  source     %s%n", source));
      run.model().ifPresent(model -> out.printf("  model      %s%n", model));
      if (!run.metrics().isEmpty()) {
        out.printf("  held-out   %s%n", TrainingLoop.formatMetrics(run.metrics()));
        out.printf("  ledger     %s%n", run.ledger());
      }
      run.error().ifPresent(error -> out.printf("  error      %s%n", error));
      if (run.status() == RunRecord.Status.RUNNING) {
        out.println("  (no end recorded: still running, or its driver died)");
      }
      out.flush();
    }
  }

  private static String took(RunRecord run) {
    return run.endedAt().map(end -> {
      long seconds = Duration.between(run.startedAt(), end).toSeconds();
      return seconds >= 60 ? (seconds / 60) + " min " + (seconds % 60) + " s" : seconds + " s";
    }).orElse("-");
  }
}

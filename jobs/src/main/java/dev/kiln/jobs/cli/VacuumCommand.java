package dev.kiln.jobs.cli;

import dev.kiln.config.HadoopPaths;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.RetentionGuard;
import java.io.PrintWriter;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "vacuum", mixinStandardHelpOptions = true,
    description = {"VACUUM a Delta source table without breaking a registered model: the retention is never "
        + "shorter than the age of the oldest table version a registered version was trained on, so that version "
        + "stays readable and `kiln reproduce` keeps working.",
        "Delta itself refuses retentions under 7 days (spark.databricks.delta.retentionDurationCheck.enabled).", "",
        "Example:  bin/kiln vacuum s3a://lake/customers --retain-hours 168 --config conf/pipelines/prod.conf",
        "          bin/kiln vacuum warehouse/generated/churn-1000000-seed7 --dry-run"})
final class VacuumCommand extends RegistryCommand {

  @Parameters(index = "0", paramLabel = "TABLE", description = "The Delta table (a local or Hadoop path).")
  String table;

  @Option(names = "--retain-hours", defaultValue = "168",
      description = "The retention you want; raised if a registered version needs more. Default: ${DEFAULT-VALUE}.")
  long retainHours;

  @Option(names = "--dry-run", description = "Say what retention would be used, and why; delete nothing.")
  boolean dryRun;

  @ParentCommand
  Kiln kiln;

  @Override
  Kiln kiln() {
    return kiln;
  }

  @Override
  void run(DeltaRegistry registry) {
    String uri = HadoopPaths.qualify(table);
    RetentionGuard guard = new RetentionGuard(registry.spark(), registry);
    RetentionGuard.Plan plan = dryRun ? guard.plan(uri, retainHours, Instant.now())
        : guard.vacuum(uri, retainHours, Instant.now());
    PrintWriter out = spec.commandLine().getOut();
    out.printf("%s %s%n", dryRun ? "would vacuum" : "vacuumed", uri);
    if (plan.pinned().isPresent()) {
      out.printf("  pinned     version %d (committed %s), read by %s: needs %d h%n", plan.pinned().get(),
          plan.pinnedCommitTime().orElseThrow(), String.join(", ", plan.readers()), plan.requiredHours());
    } else {
      out.println("  pinned     no registered version reads this table");
    }
    out.printf("  retention  %d h%s%n", plan.usedHours(), plan.usedHours() > plan.requestedHours()
        ? " (raised from the " + plan.requestedHours() + " h asked for)" : "");
    out.flush();
  }
}

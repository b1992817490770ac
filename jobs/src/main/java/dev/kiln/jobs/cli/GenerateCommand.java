package dev.kiln.jobs.cli;

import dev.kiln.config.HadoopPaths;
import dev.kiln.generate.ChurnDataGenerator;
import dev.kiln.jobs.Summary;
import dev.kiln.source.GeneratedSource;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Write Kiln's synthetic customer-churn table: a messy CRM export with exact duplicate rows, "
        + "re-sent records (same customer_id, newer updated_at), missing values, outliers, inconsistent country "
        + "spellings (US, usa, United States, ...) and a churned label with real but imperfect signal.",
        "The same seed gives the same table, whatever the cluster. Columns: customer_id, updated_at, signup_date, "
        + "country, plan, contract, payment_method, tenure_months, monthly_charges, total_charges, support_calls, "
        + "age, churned.",
        "", "Example:  bin/kiln generate --rows 10000000 --format parquet --output /data/churn",
        "          bin/kiln generate --rows 20000 --seed 8 --shift 1 --start-date 2026-11-22 --first-customer 50000 "
            + "--append --output warehouse/churn-daily"})
final class GenerateCommand implements Callable<Integer> {

  @Option(names = "--rows", paramLabel = "N", defaultValue = "1000000",
      description = "Rows to write, exactly: 1000 to 100000000. Default: ${DEFAULT-VALUE}.")
  long rows;

  @Option(names = "--seed", defaultValue = "7", description = "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--format", defaultValue = "delta", description = "delta or parquet. Default: ${DEFAULT-VALUE}.")
  String format;

  @Option(names = "--output", paramLabel = "PATH",
      description = "Where to write (replaced if present). Default: warehouse/generated/churn-<rows>-seed<seed>.")
  String output;

  @Option(names = "--duplicate-rate", defaultValue = "0.02", description = "Share of exact duplicate rows. "
      + "Default: ${DEFAULT-VALUE}.")
  double duplicateRate;

  @Option(names = "--resend-rate", defaultValue = "0.05", description = "Share of re-sent records. "
      + "Default: ${DEFAULT-VALUE}.")
  double resendRate;

  @Option(names = "--missing-rate", defaultValue = "0.05", description = "Base rate of missing values. "
      + "Default: ${DEFAULT-VALUE}.")
  double missingRate;

  @Option(names = "--outlier-rate", defaultValue = "0.01", description = "Share of rows with an outlier. "
      + "Default: ${DEFAULT-VALUE}.")
  double outlierRate;

  @Option(names = "--misspelling-rate", defaultValue = "0.15", description = "Share of rows whose country is "
      + "spelled another way. Default: ${DEFAULT-VALUE}.")
  double misspellingRate;

  @Option(names = "--shift", paramLabel = "S", defaultValue = "0",
      description = "How far the table moves from the default population, 0 to 1: higher monthly charges, more "
          + "month-to-month contracts and support calls, and a changed churn behaviour (for drift and retraining "
          + "drills). Default: ${DEFAULT-VALUE}.")
  double shift;

  @Option(names = "--start-date", paramLabel = "YYYY-MM-DD", description = "The first day of updated_at. "
      + "Default: 2024-06-30.")
  java.time.LocalDate startDate;

  @Option(names = "--first-customer", paramLabel = "N", defaultValue = "0",
      description = "The number of the first customer id, so a later table of new customers does not reuse ids. "
          + "Default: ${DEFAULT-VALUE}.")
  long firstCustomer;

  @Option(names = "--append", description = "Add the rows to the Delta table at --output as a new version instead "
      + "of replacing it (a day of new data). Running the same append again adds nothing.")
  boolean append;

  @Mixin
  SparkOptions spark;

  @Spec
  CommandSpec spec;

  @ParentCommand
  Kiln kiln;

  @Override
  public Integer call() {
    long started = System.nanoTime();
    if (!format.equals("delta") && !format.equals("parquet")) {
      throw new ParameterException(spec.commandLine(), "--format must be delta or parquet, not '" + format + "'");
    }
    if (append && !format.equals("delta")) {
      throw new ParameterException(spec.commandLine(), "--append needs --format delta");
    }
    if (!spark.overrides.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "generate takes no --conf; use its own options");
    }
    ChurnDataGenerator.Spec generator;
    try {
      generator = new ChurnDataGenerator.Spec(rows, seed, duplicateRate, resendRate, missingRate, outlierRate,
          misspellingRate, shift, startDate != null ? startDate : ChurnDataGenerator.Spec.DEFAULT_START,
          firstCustomer);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    String target = HadoopPaths.qualify(output != null ? output
        : "warehouse/generated/churn-" + rows + "-seed" + seed);
    int files = GeneratedSource.filesFor(rows, 2);
    Summary summary = new Summary("generate")
        .line("rows", String.format("%,d: %,d customers, %,d re-sent records, %,d exact duplicates", rows,
            generator.customers(), generator.resentRows(), generator.duplicateRows()))
        .line("messiness", String.format("~%.0f%% missing values (varies by column), %.1f%% outliers, %.0f%% "
            + "country misspellings", missingRate * 100, outlierRate * 100, misspellingRate * 100))
        .line(append ? "appended" : "written", format + " " + target + " (" + files + " files)");
    if (shift > 0) {
      summary.line("shift", String.format("%.2f: monthly charges +%.0f, more month-to-month contracts and support "
          + "calls, churn behaviour changed", shift, 30 * shift));
    }
    if (spark.dryRun) {
      summary.line("dry run", "nothing written").print(spec.commandLine().getOut(), 0);
      return ExitCodes.DONE;
    }
    SparkSession session = kiln.sessions().open("kiln generate", spark.master(), 8, Map.of());
    try {
      if (!GeneratedSource.write(session, generator, target, format, files, append)) {
        summary.line("note", "this append was made before: nothing added");
      }
    } finally {
      kiln.sessions().close(session);
    }
    summary.print(spec.commandLine().getOut(), (System.nanoTime() - started) / 1e9);
    return ExitCodes.DONE;
  }
}

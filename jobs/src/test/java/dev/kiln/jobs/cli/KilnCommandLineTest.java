package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's contract without Spark work: help, exit codes, validation messages, dry runs. */
class KilnCommandLineTest {

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"generate", "run", "sample", "clean", "train", "evaluate", "models", "models list",
      "models show", "models alias", "models compare", "models search", "runs", "runs list", "runs show", "reproduce", "vacuum",
      "profile", "ingest-predictions", "serve"})
  void everyCommandHasHelpWithItsExitCodes(String command) {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command.split(" ")));
    args.add("--help");
    KilnCli.Outcome help = KilnCli.run(args.toArray(String[]::new));
    assertEquals(0, help.exitCode(), help.toString());
    assertTrue(help.out().contains("Usage: kiln " + command), help.out());
    assertTrue(help.out().contains("Exit codes:"), help.out());
    assertTrue(help.out().contains("Example:"), help.out());
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertEquals(2, KilnCli.run().exitCode(), "no command");
    KilnCli.Outcome unknown = KilnCli.run("trian");
    assertEquals(2, unknown.exitCode());
    assertTrue(unknown.err().contains("Unmatched argument"), unknown.err());
    assertEquals(2, KilnCli.run("run").exitCode(), "no config file");
    assertEquals(2, KilnCli.run("generate", "--rows", "10", "--dry-run").exitCode(), "too few rows");
  }

  /** The acceptance check: four kinds of problem in one config, all named, exit 2, no stack trace. */
  @Test
  void aBrokenConfigNamesEveryProblemAtOnceWithoutAStackTrace() throws IOException {
    String parquet = dir.resolve("customers.parquet").toString();
    Files.createDirectories(dir.resolve("customers.parquet"));
    copyParquetFixture(dir.resolve("customers.parquet"));
    Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, """
        pipeline.name = broken
        source { format = parquet, path = "%s" }
        sample { fraction = 0.5, colour = blue }
        evaluation.test-fraction = "a fifth"
        features { label = will_churn, numeric = [amount] }
        """.formatted(parquet));
    Path missingSource = dir.resolve("missing.conf");
    Files.writeString(missingSource, Files.readString(bad).replace(parquet, dir.resolve("nowhere").toString()));

    KilnCli.Outcome outcome = KilnCli.run("run", bad.toString());
    assertEquals(2, outcome.exitCode(), outcome.toString());
    String err = outcome.err();
    assertTrue(err.contains(bad + ":3: sample.colour: unknown key"), err);
    assertTrue(err.contains(bad + ":4: evaluation.test-fraction: expected a number but found 'a fifth'"), err);
    assertTrue(err.contains(bad + ":5: features.label: column 'will_churn' is not in the source"), err);
    assertFalse(err.contains("\tat "), "no stack trace: " + err);

    KilnCli.Outcome missing = KilnCli.run("train", missingSource.toString(), "--dry-run");
    assertEquals(2, missing.exitCode(), missing.toString());
    assertTrue(missing.err().contains(missingSource + ":2: source.path: no parquet data at file:"
        + dir.resolve("nowhere")), missing.err());
    assertTrue(missing.err().contains("sample.colour") && missing.err().contains("evaluation.test-fraction"),
        "the other problems are still listed: " + missing.err());
    assertTrue(missing.err().startsWith("kiln train: invalid configuration: 3 problems"), missing.err());
  }

  /** The README's example, exactly: the shipped broken config gives four problems in file order. */
  @Test
  void theShippedBrokenExampleListsItsFourProblemsInOrder() {
    Path broken = Path.of(System.getProperty("kiln.repo", "..")).resolve("conf/examples/broken.conf")
        .toAbsolutePath().normalize();
    KilnCli.Outcome outcome = KilnCli.run("run", broken.toString());
    assertEquals(2, outcome.exitCode(), outcome.toString());
    assertEquals(String.join(System.lineSeparator(),
        "kiln run: invalid configuration: 4 problems",
        "  - " + broken + ":4: source.path: is required for source.format = parquet",
        "  - " + broken + ":5: sample.colour: unknown key",
        "  - " + broken + ":6: evaluation.test-fraction: expected a number but found 'a fifth'",
        "  - " + broken + ":7: features.label: is required: the column the model learns to predict"),
        outcome.err().strip());
  }

  @Test
  void overridesFromTheEnvironmentAndFlagsAreValidatedToo() throws IOException {
    Path conf = dir.resolve("ok.conf");
    Files.writeString(conf, "source.format = generated\nfeatures { label = churned, numeric = [age] }\n");
    KilnCli.Outcome outcome = KilnCli.run(Map.of("KILN_CONF_sample_fraction", "2"), "run", conf.toString(),
        "--conf", "spark.partitions=many", "--dry-run");
    assertEquals(2, outcome.exitCode(), outcome.toString());
    assertTrue(outcome.err().contains("environment variable KILN_CONF_sample_fraction: sample.fraction: 2.0 is out "
        + "of range"), outcome.err());
    assertTrue(outcome.err().contains("--conf spark.partitions: spark.partitions: expected a whole number or "
        + "auto but found 'many'"), outcome.err());
  }

  @Test
  void aDryRunValidatesAndPrintsThePlan() throws IOException {
    Path conf = dir.resolve("ok.conf");
    Files.writeString(conf, "pipeline.name = dry\nsource.format = generated\n"
        + "features { label = churned, numeric = [age] }\nwarehouse = \"" + dir.resolve("wh") + "\"\n");
    KilnCli.Outcome outcome = KilnCli.run("sample", conf.toString(), "--dry-run");
    assertEquals(0, outcome.exitCode(), outcome.toString());
    assertTrue(outcome.out().contains("dry run: config valid"), outcome.out());
    assertTrue(outcome.out().contains("file:" + dir.resolve("wh") + "/pipelines/dry/sample"), outcome.out());
    assertFalse(Files.exists(dir.resolve("wh")), "a dry run writes nothing");
  }

  @Test
  void aMalformedCsvRecordUnderFailFastIsBadInputNamingTheSource() throws IOException {
    Path csv = dir.resolve("orders.csv");
    Files.writeString(csv, "id,amount,churned\n1,2.5,0\n2,3.5\n3,1.0,1\n");
    Path conf = dir.resolve("failfast.conf");
    Files.writeString(conf, """
        pipeline.name = strict
        warehouse = "%s"
        source { format = csv, path = "%s", options { header = true, inferSchema = true, mode = FAILFAST } }
        features { label = churned, numeric = [amount] }
        spark.partitions = 1
        """.formatted(dir.resolve("wh"), csv));
    KilnCli.Outcome outcome = KilnCli.run("sample", conf.toString());
    assertEquals(2, outcome.exitCode(), outcome.toString());
    assertTrue(outcome.err().contains("a malformed record in file:" + csv + " stopped the read "
        + "(source.options.mode = FAILFAST;"), outcome.err());
    assertFalse(outcome.err().contains("\tat "), "no stack trace: " + outcome.err());
  }

  private static void copyParquetFixture(Path target) throws IOException {
    // A real Parquet file, written by Spark from the shared session (the preflight reads its footer).
    dev.kiln.testing.SharedSpark.session()
        .sql("select 1 as id, 2.0D as amount, 0 as churned").write().mode("overwrite").parquet(target.toString());
  }
}

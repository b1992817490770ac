package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.monitor.AvroPredictionLog;
import dev.kiln.monitor.PredictionRecord;
import dev.kiln.score.InputField;
import dev.kiln.score.InputField.FieldType;
import dev.kiln.score.ModelSignature;
import dev.kiln.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln ingest-predictions} on local disk: the summary line, the default table, the exit codes. */
class IngestPredictionsCommandTest {

  static final ModelSignature SIGNATURE = new ModelSignature(List.of(
      new InputField("country", FieldType.STRING, true), new InputField("tenure_months", FieldType.INTEGER, true)),
      List.of("prediction", "probability"));

  @TempDir
  Path dir;

  @Test
  void twoRunsInsertEachPredictionOnceIntoTheWarehouseTable() throws IOException {
    String root = dir.resolve("prediction-log").toString();
    try (AvroPredictionLog log = new AvroPredictionLog(root, "churn", 1, SIGNATURE, new Configuration())) {
      for (int i = 0; i < 25; i++) {
        log.append(new PredictionRecord("req-" + i, Instant.parse("2026-11-22T10:00:00Z").plusSeconds(i), "churn",
            1, Map.of("country", "DE", "tenure_months", i), Map.of("prediction", 1.0), 300));
      }
    }
    Path conf = dir.resolve("monitoring.conf");
    Files.writeString(conf, "warehouse = \"" + dir.resolve("warehouse") + "\"\n");
    String table = "file:" + dir.resolve("warehouse/predictions/churn");

    KilnCli.Outcome first = KilnCli.run("ingest-predictions", "--log-root", root, "--model", "churn", "--config",
        conf.toString());
    assertEquals(0, first.exitCode(), first.toString());
    assertTrue(first.out().startsWith("kiln ingest-predictions churn: 1 file read (0 ingested before), 25 rows "
        + "inserted, 0 already present -> " + table + " ("), first.out());
    KilnCli.Outcome second = KilnCli.run("ingest-predictions", "--log-root", root, "--model", "churn", "--config",
        conf.toString());
    assertEquals(0, second.exitCode(), second.toString());
    assertTrue(second.out().startsWith("kiln ingest-predictions churn: 0 files read (1 ingested before), 0 rows "
        + "inserted, 0 already present -> " + table), second.out());
    assertEquals(25, SharedSpark.session().read().format("delta").load(table).count());
  }

  @Test
  void aMissingLogOrABadModelNameExitsWithTwoNamingIt() {
    KilnCli.Outcome missing = KilnCli.run("ingest-predictions", "--log-root", dir.resolve("nowhere").toString(),
        "--model", "churn", "--table", dir.resolve("t").toString());
    assertEquals(2, missing.exitCode(), missing.toString());
    assertEquals("kiln ingest-predictions: there is no prediction log at file:" + dir.resolve("nowhere"),
        missing.err().strip());

    KilnCli.Outcome badName = KilnCli.run("ingest-predictions", "--log-root", dir.toString(), "--model", "../etc");
    assertEquals(2, badName.exitCode(), badName.toString());
    assertTrue(badName.err().contains("'../etc' is not a valid model name"), badName.err());

    KilnCli.Outcome noModel = KilnCli.run("ingest-predictions", "--log-root", dir.toString());
    assertEquals(2, noModel.exitCode(), noModel.toString());
    assertTrue(noModel.err().contains("Missing required option: '--model=NAME'"), noModel.err());
  }

  @Test
  void aDryRunNamesTheLogAndTheTableAndReadsNothing() {
    Path root = dir.resolve("not-yet-logged");
    KilnCli.Outcome plan = KilnCli.run("ingest-predictions", "--log-root", root.toString(), "--model", "churn",
        "--table", dir.resolve("t").toString(), "--dry-run");
    assertEquals(0, plan.exitCode(), plan.toString());
    assertTrue(plan.out().contains("kiln ingest-predictions churn (dry run: arguments and config valid, nothing read)"),
        plan.out());
    assertTrue(plan.out().contains("log        file:" + root.resolve("churn")), plan.out());
    assertTrue(plan.out().contains("table      file:" + dir.resolve("t")), plan.out());
    assertFalse(Files.exists(dir.resolve("t")), "a dry run creates no table");

    KilnCli.Outcome badName = KilnCli.run("ingest-predictions", "--log-root", root.toString(), "--model", "../etc",
        "--dry-run");
    assertEquals(2, badName.exitCode(), badName.toString());
    assertTrue(badName.err().contains("'../etc' is not a valid model name"), badName.err());
  }
}

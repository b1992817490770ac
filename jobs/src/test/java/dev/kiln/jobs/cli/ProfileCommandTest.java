package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.profile.ProfileRun;
import dev.kiln.profile.ProfileStore;
import dev.kiln.testing.SharedSpark;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln profile} on a small generated pipeline: the history table gains a run each time, and the report. */
class ProfileCommandTest {

  @TempDir
  Path dir;

  @Test
  void profilesTheSampleThenTheCleanTableKeepingEveryRun() throws IOException {
    SparkSession spark = SharedSpark.session();
    Path conf = dir.resolve("profiled.conf");
    Files.writeString(conf, """
        pipeline.name = profiled
        warehouse = "%s"
        source { format = generated, generated { rows = 1000, seed = 3 } }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features { label = churned, numeric = [age, tenure_months], categorical = [plan, country] }
        spark.partitions = 2
        """.formatted(dir.resolve("wh")));
    String pipeline = "file:" + dir.resolve("wh/pipelines/profiled");

    KilnCli.Outcome nothing = KilnCli.run("profile", conf.toString());
    assertEquals(2, nothing.exitCode(), nothing.toString());
    assertTrue(nothing.err().contains("kiln profile: nothing to profile: no Delta table at " + pipeline + "/clean or "
        + pipeline + "/sample (run kiln sample first, or pass --input)"), nothing.err());

    KilnCli.Outcome dryRun = KilnCli.run("profile", conf.toString(), "--dry-run");
    assertEquals(0, dryRun.exitCode(), dryRun.toString());
    assertTrue(dryRun.out().contains("profile " + pipeline + "/clean (else " + pipeline + "/sample) → " + pipeline
        + "/profiles, report " + pipeline + "/profile.html"), dryRun.out());

    assertEquals(0, KilnCli.run("sample", conf.toString()).exitCode());
    KilnCli.Outcome first = KilnCli.run("profile", conf.toString());
    assertEquals(0, first.exitCode(), first.toString());
    assertTrue(first.out().contains("input      delta " + pipeline + "/sample @ version 0"), first.out());
    assertTrue(first.out().contains("profiled   1,000 rows, 13 columns (6 numeric, 5 categorical, 2 temporal)"),
        first.out());
    assertTrue(first.out().contains("label      churned"), first.out());
    assertTrue(first.out().contains("history    " + pipeline + "/profiles (run "), first.out());
    assertTrue(first.out().contains(", 1 runs)"), first.out());
    assertTrue(first.out().contains("report     " + pipeline + "/profile.html"), first.out());
    String report = Files.readString(dir.resolve("wh/pipelines/profiled/profile.html"));
    assertTrue(report.contains("id=\"histogram-11\" class=\"chart histogram\" width=\"380\" height=\"170\"")
        && report.contains("data-column=\"age\""), "age (column 11) has a histogram");
    assertTrue(report.contains("class=\"chart top-values\"") && report.contains("id=\"heatmap-spearman\""));
    assertFalse(Files.exists(dir.resolve("wh/pipelines/profiled/.profile.html.crc")), "no checksum file beside it");

    ProfileStore store = new ProfileStore(spark, pipeline + "/profiles");
    List<Row> firstRun = spark.read().format("delta").load(store.path()).orderBy("position").collectAsList();
    assertEquals(13, firstRun.size(), "one row per column");

    assertEquals(0, KilnCli.run("clean", conf.toString()).exitCode());
    Path custom = dir.resolve("reports/custom.html");
    KilnCli.Outcome second = KilnCli.run("profile", conf.toString(), "--report", custom.toString());
    assertEquals(0, second.exitCode(), second.toString());
    assertTrue(second.out().contains("input      delta " + pipeline + "/clean @ version 0"), "the clean table now");
    assertTrue(second.out().contains(", 2 runs)"), second.out());
    assertTrue(Files.readString(custom).contains("id=\"missing-values\""));

    List<ProfileRun> runs = store.runs();
    assertEquals(2, runs.size());
    assertTrue(runs.get(0).source().endsWith("/sample @ version 0") && runs.get(1).source().endsWith(
        "/clean @ version 0"), runs.toString());
    assertEquals(2, DeltaTable.forPath(spark, store.path()).history().count(), "two appends");
    assertEquals(firstRun, spark.read().format("delta").load(store.path())
        .where("run_id = '" + runs.get(0).id() + "'").orderBy("position").collectAsList(), "the first run as it was");
    long cleanRows = store.load(runs.get(1).id()).orElseThrow().rows();
    assertTrue(cleanRows < 1000, "duplicates removed: " + cleanRows);
  }
}

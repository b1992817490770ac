package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.testing.SharedSpark;
import io.delta.tables.DeltaTable;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver of {@code kiln sample}, {@code kiln clean} and {@code kiln score} is killed (SIGKILL) while it writes
 * its Delta table: the table keeps its last complete version (the killed job's data files are there, written, and
 * referenced by no commit), a re-run completes, and every row count equals the undisturbed run's.
 *
 * <p>Each command runs undisturbed first (in this JVM), then again as its own JVM, which is killed the moment its
 * first new data file appears in the target table, long before its commit; then once more in this JVM.
 */
class DriverKilledMidWriteIT {

  private static final String RUN_DATE = "2026-11-22";

  @TempDir
  Path dir;

  @Test
  void aDriverKilledWhileWritingLeavesTheLastCompleteVersionAndARerunCompletes() throws Exception {
    SparkSession spark = SharedSpark.session();
    String table = dir.resolve("lake/churn").toString();
    Path warehouse = dir.resolve("wh");
    Path conf = dir.resolve("kill-drill.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = kill-drill
        source { format = delta, path = "%s" }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features { label = churned, numeric = [tenure_months, monthly_charges], categorical = [contract] }
        model { algorithm = logistic-regression, params { maxIter = 5 } }
        spark.partitions = 4
        """.formatted(warehouse, table));
    run("generate", "--rows", "100000", "--seed", "3", "--output", table);

    Path sample = warehouse.resolve("pipelines/kill-drill/sample");
    drill(spark, sample, null, "sample", conf.toString());

    Path clean = warehouse.resolve("pipelines/kill-drill/clean");
    drill(spark, clean, null, "clean", conf.toString());

    run("train", conf.toString());
    Path scores = warehouse.resolve("pipelines/kill-drill/scores");
    drill(spark, scores, "run_date = '" + RUN_DATE + "'", "score", conf.toString(), "--run-date", RUN_DATE,
        "--model", "kill-drill@1");
  }

  /** Undisturbed, killed mid-write, re-run: the counts of {@code rows} (all, or those {@code where}) agree. */
  private void drill(SparkSession spark, Path target, String where, String... command) throws Exception {
    String step = command[0];
    run(command);
    long undisturbed = count(spark, target, where);
    long version = DeltaTable.forPath(spark, target.toString()).history(1).head().getLong(0);
    assertTrue(undisturbed > 0, step + " wrote nothing");

    Set<Path> before = dataFiles(target);
    String printed = killWhileWriting(target, before, command);
    long afterKill = DeltaTable.forPath(spark, target.toString()).history(1).head().getLong(0);
    assertEquals(version, afterKill, step + ": the killed run committed (the kill came too late to test anything):\n"
        + printed);
    assertEquals(undisturbed, count(spark, target, where), step + ": the table changed although nothing committed");
    Set<String> referenced = Arrays.stream(spark.read().format("delta").load(target.toString()).inputFiles())
        .map(f -> Path.of(java.net.URI.create(f)).getFileName().toString()).collect(Collectors.toSet());
    List<Path> orphans = dataFiles(target).stream().filter(f -> !before.contains(f)
        && !referenced.contains(f.getFileName().toString())).toList();
    assertFalse(orphans.isEmpty(), step + ": the killed run wrote no data file, so it was not killed mid-write");
    System.out.printf("%s: killed with %d data file(s) written and not committed; table still at version %d with "
        + "%,d rows%n", step, orphans.size(), version, undisturbed);

    run(command);
    assertEquals(version + 1, DeltaTable.forPath(spark, target.toString()).history(1).head().getLong(0),
        step + ": the re-run committed one version");
    assertEquals(undisturbed, count(spark, target, where),
        step + ": the re-run's rows differ from the undisturbed run's");
  }

  /** Runs {@code kiln COMMAND} as its own JVM and kills it (SIGKILL) when a data file not in {@code before} appears. */
  private String killWhileWriting(Path target, Set<Path> before, String... command) throws Exception {
    List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx2g"));
    java.addAll(List.of(System.getProperty("kiln.java17.flags").trim().split("\\s+")));
    java.addAll(List.of("-cp", System.getProperty("kiln.appJar") + File.pathSeparator
        + System.getProperty("kiln.sparkJars") + "/*", "dev.kiln.jobs.cli.Kiln"));
    java.addAll(List.of(command));
    java.addAll(List.of("--master", "local[2]"));
    Path output = dir.resolve(command[0] + "-killed.txt");
    ProcessBuilder builder = new ProcessBuilder(java).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = builder.start();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    try {
      while (true) {
        if (dataFiles(target).stream().anyMatch(f -> !before.contains(f))) {
          process.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
          assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the killed JVM did not exit");
          assertEquals(137, process.exitValue(), "killed by SIGKILL");
          return Files.readString(output);
        }
        if (!process.isAlive()) {
          fail(command[0] + " finished (exit " + process.exitValue() + ") before a new data file was seen:\n"
              + Files.readString(output));
        }
        if (System.nanoTime() > deadline) {
          fail(command[0] + " wrote no data file in 3 minutes:\n" + Files.readString(output));
        }
        Thread.sleep(2);
      }
    } finally {
      process.destroyForcibly();
    }
  }

  private static Set<Path> dataFiles(Path table) throws IOException {
    if (!Files.exists(table)) {
      return Set.of();
    }
    try (Stream<Path> files = Files.walk(table)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".parquet") && !f.toString().contains("_delta_log"))
          .collect(Collectors.toCollection(HashSet::new));
    } catch (java.io.UncheckedIOException e) {
      return dataFiles(table); // a file the writer was renaming vanished mid-walk: look again
    }
  }

  private static long count(SparkSession spark, Path table, String where) {
    Dataset<Row> rows = spark.read().format("delta").load(table.toString());
    return where == null ? rows.count() : rows.where(where).count();
  }

  private static KilnCli.Outcome run(String... args) {
    KilnCli.Outcome outcome = KilnCli.run(args);
    assertEquals(0, outcome.exitCode(), String.join(" ", args) + ": " + outcome);
    return outcome;
  }
}

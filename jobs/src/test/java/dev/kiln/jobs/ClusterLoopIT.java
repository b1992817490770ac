package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.testing.SharedSpark;
import dev.kiln.testing.cluster.StandaloneSparkCluster;
import dev.kiln.testing.cluster.StandaloneSparkCluster.ExecutorDirectory;
import dev.kiln.testing.cluster.StandaloneSparkCluster.SubmitResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole training loop on a real Spark standalone cluster (a Master and two single-core Workers, each its own JVM,
 * built from {@code target/spark-jars}) against the same config in local mode: {@code kiln.jar} is submitted with
 * {@code SparkSubmit} exactly as {@code deploy/spark/kiln-submit} does, and the model the cluster trains must measure
 * the same on the held-out rows as the one trained in local mode. This is what the hash-based sampling and splitting
 * and the fixed partitioning of training data promise. Twice: with MLlib's GBT, and with XGBoost4J-Spark, whose
 * workers run as a barrier stage of Spark tasks on both executors.
 */
class ClusterLoopIT {

  /** Every held-out metric the registry records. */
  private static final List<String> METRICS = List.of("auc_roc", "auc_pr", "accuracy", "log_loss", "precision",
      "recall", "f1", "test_rows");
  private static final double TOLERANCE = 1e-6;
  /**
   * LightGBM's model depends on the layout: two executors train data-parallel (histograms summed over sockets, each
   * executor's rows in its own native dataset), local mode one dataset with two threads. The same quality is the
   * contract there, not the same bits (measured: every metric within 0.005 on these 3,312 held-out rows).
   */
  private static final double LIGHTGBM_TOLERANCE = 0.02;
  private static final String NAME = "churn-cluster-it";

  @TempDir
  Path tmp;

  private MemoryPeak memory;

  @AfterEach
  void stopMemorySampling() {
    if (memory != null) {
      memory.stopAndDescribe();
    }
  }

  @Test
  void clusterRunRegistersTheSameModelQualityAsLocalMode() throws Exception {
    Path appJar = requiredPath("kiln.appJar");
    Path sparkJars = requiredPath("kiln.sparkJars");
    String flags = System.getProperty("kiln.java17.flags", StandaloneSparkCluster.DEFAULT_JAVA17_FLAGS);
    // For short-lived JVMs on a small machine (jobs/pom.xml): C1 only, serial GC. Not needed for correctness.
    String itFlags = System.getProperty("kiln.it.jvm.flags", "").trim();
    // Kept after the test (the cluster's logs, worker and executor directories) for post-mortems.
    Path clusterDir = Path.of(System.getProperty("kiln.cluster.workDir", "target/cluster-it")).toAbsolutePath();

    // MLlib's GBT; XGBoost4J-Spark, whose workers are Spark tasks on the executors; LightGBM, one native dataset per
    // executor, the executors joined over sockets: all trained distributed.
    Map<String, String> models = new java.util.LinkedHashMap<>();
    models.put("gbt", "params { maxIter = 10, maxDepth = 4, stepSize = 0.2, seed = 7 }");
    models.put("xgboost", "params { numRound = 20, max_depth = 4, eta = 0.3, seed = 7 }");
    models.put("lightgbm", "params { numIterations = 20, numLeaves = 15, learningRate = 0.3, seed = 7 }");
    Map<String, Path> configs = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, String> model : models.entrySet()) {
      configs.put(model.getKey(), writeConfig(tmp.resolve(model.getKey() + ".conf"),
          tmp.resolve("cluster-warehouse-" + model.getKey()), model.getKey(), model.getValue()));
    }

    memory = MemoryPeak.start();
    long t0 = System.nanoTime();
    List<ExecutorDirectory> executors;
    try (StandaloneSparkCluster cluster = StandaloneSparkCluster.builder(sparkJars, clusterDir)
        .workers(2).workerCores(1).workerMemory("1g").javaFlags(flags + " " + itFlags).start()) {
      long up = System.nanoTime();
      System.out.printf(Locale.ROOT, "[cluster-it] cluster %s up in %.1f s%n", cluster.masterUrl(), (up - t0) / 1e9);

      List<String> sparkConf = new ArrayList<>(List.of("spark.ui.enabled=false",
          // Both executors registered before the first task, so both get work.
          "spark.scheduler.minRegisteredResourcesRatio=1.0",
          "spark.scheduler.maxRegisteredResourcesWaitingTime=60s",
          // The tables here are a few files each: Delta's default of 50 tasks per state rebuild is all overhead.
          "spark.databricks.delta.snapshotPartitions=2"));
      if (!itFlags.isEmpty()) {
        sparkConf.add("spark.executor.extraJavaOptions=" + itFlags);
      }
      executors = new ArrayList<>();
      for (Map.Entry<String, Path> model : configs.entrySet()) {
        executors.addAll(submitAndCheck(cluster, appJar, sparkConf, model.getKey(), model.getValue()));
      }
      submitKillingAnExecutorMidTraining(cluster, appJar, sparkConf, writeConfig(tmp.resolve("gbt-killed.conf"),
          tmp.resolve("cluster-warehouse-gbt-killed"), "gbt", models.get("gbt")));
    }
    long clusterDone = System.nanoTime();
    // The run that lost an executor mid-training registered what the undisturbed one did.
    compare("gbt, an executor killed", onlyRecord(tmp.resolve("cluster-warehouse-gbt-killed").resolve("registry")),
        onlyRecord(tmp.resolve("cluster-warehouse-gbt").resolve("registry")));

    for (Map.Entry<String, Path> model : configs.entrySet()) {
      long started = System.nanoTime();
      Path localWarehouse = tmp.resolve("local-warehouse-" + model.getKey());
      Path localRegistry = tmp.resolve("local-registry-" + model.getKey());
      KilnCli.Outcome local = KilnCli.run(Map.of(), "run", model.getValue().toString(),
          "--conf", "warehouse=" + localWarehouse, "--conf", "registry.root=" + localRegistry);
      System.out.printf(Locale.ROOT, "[cluster-it] %s: local run finished in %.1f s (exit %d)%n", model.getKey(),
          (System.nanoTime() - started) / 1e9, local.exitCode());
      assertEquals(0, local.exitCode(), local::toString);
      compare(model.getKey(), onlyRecord(tmp.resolve("cluster-warehouse-" + model.getKey()).resolve("registry")),
          onlyRecord(localRegistry));
    }
    System.out.printf(Locale.ROOT, "[cluster-it] executors that ran tasks: %d; cluster phase %.1f s, local phase %.1f s,"
            + " whole test %.1f s, peak RSS of the test JVM and every process it started %s%n",
        executors.size(), (clusterDone - t0) / 1e9, (System.nanoTime() - clusterDone) / 1e9,
        (System.nanoTime() - t0) / 1e9, memory.stopAndDescribe());
  }

  /** Submits {@code config} as kiln-submit would; the run must register a version of {@code algorithm}. */
  private static List<ExecutorDirectory> submitAndCheck(StandaloneSparkCluster cluster, Path appJar,
      List<String> sparkConf, String algorithm, Path config) throws Exception {
    SubmitResult r = cluster.submit(appJar, "dev.kiln.jobs.cli.Kiln", sparkConf,
        List.of("run", config.toString()), Duration.ofMinutes(3));
    System.out.printf(Locale.ROOT, "[cluster-it] %s: cluster run finished in %.1f s (exit %d), driver log %s%n",
        algorithm, r.elapsed().toMillis() / 1e3, r.exitCode(), r.logFile());
    assertFalse(r.timedOut(), () -> "the driver timed out\n" + r.output() + cluster.logTails());
    assertEquals(0, r.exitCode(), () -> "the driver failed\n" + r.output() + cluster.logTails());
    assertTrue(Pattern.compile("(?m)^\\s*model\\s+" + NAME + "@1 \\(" + algorithm + "\\)$").matcher(r.output())
        .find(), () -> "no model version line in the driver output\n" + r.output());

    String appId = r.applicationId().orElseThrow(() -> new AssertionError("no app id\n" + r.output()));
    List<ExecutorDirectory> found = awaitExecutorsWithFinishedTasks(cluster, appId, 2, Duration.ofSeconds(20));
    assertTrue(found.size() >= 2, () -> "fewer than 2 executors of " + appId + " ran tasks: "
        + cluster.executorDirectories(appId) + "\n" + cluster.logTails());
    for (ExecutorDirectory d : found) {
      assertTrue(d.stderr().contains("Finished task"), () -> d + " finished no task\n" + d.stderr());
      System.out.printf(Locale.ROOT, "[cluster-it] %s: executor %s of %s on worker %d: %d finished tasks%n",
          algorithm, d.executorId(), appId, d.worker(), d.finishedTasks());
    }
    return found;
  }

  /**
   * Submits {@code config} and, a few seconds into training (after the driver reports the split), kills one of the
   * application's executors with SIGKILL: the tasks it ran and the cached partitions it held are lost, Spark runs them
   * again elsewhere, and the run must still succeed.
   */
  private static void submitKillingAnExecutorMidTraining(StandaloneSparkCluster cluster, Path appJar,
      List<String> sparkConf, Path config) throws Exception {
    java.util.Set<Long> earlier = executorProcesses().stream().map(ProcessHandle::pid)
        .collect(Collectors.toSet());
    java.util.Set<Path> earlierLogs = submitLogs(cluster);
    java.util.concurrent.CompletableFuture<SubmitResult> run = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> cluster.submit(appJar, "dev.kiln.jobs.cli.Kiln", sparkConf, List.of("run", config.toString()),
            Duration.ofMinutes(4)));
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    ProcessHandle killed = null;
    while (killed == null && !run.isDone() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      java.util.Optional<Path> log = submitLogs(cluster).stream().filter(l -> !earlierLogs.contains(l)).findFirst();
      if (log.isPresent() && Files.readString(log.get()).contains("[kiln] split")) {
        Thread.sleep(3000); // into the boosting iterations
        killed = executorProcesses().stream().filter(p -> !earlier.contains(p.pid())).findFirst().orElse(null);
        if (killed != null) {
          killed.destroyForcibly();
          System.out.printf(Locale.ROOT, "[cluster-it] killed executor process %d (SIGKILL) during training%n",
              killed.pid());
        }
      }
    }
    SubmitResult r = run.get(5, java.util.concurrent.TimeUnit.MINUTES);
    System.out.printf(Locale.ROOT, "[cluster-it] gbt with an executor killed: finished in %.1f s (exit %d)%n",
        r.elapsed().toMillis() / 1e3, r.exitCode());
    assertTrue(killed != null, () -> "no executor was killed: the run ended or never reported its split\n"
        + r.output());
    assertEquals(0, r.exitCode(), () -> "the driver failed after the executor was killed\n" + r.output()
        + cluster.logTails());
    assertTrue(Pattern.compile("(?i)lost executor").matcher(r.output()).find(),
        () -> "the driver did not notice the lost executor\n" + r.output());
  }

  private static List<ProcessHandle> executorProcesses() {
    return ProcessHandle.allProcesses().filter(p -> p.isAlive() && p.info().commandLine()
        .map(c -> c.contains("CoarseGrainedExecutorBackend")).orElse(false)).toList();
  }

  private static java.util.Set<Path> submitLogs(StandaloneSparkCluster cluster) throws IOException {
    try (var files = Files.list(cluster.logDirectory())) {
      return files.filter(f -> f.getFileName().toString().startsWith("submit-")).collect(Collectors.toSet());
    }
  }

  /**
   * Two records of one algorithm (the cluster's and local mode's, or a disturbed and an undisturbed cluster run's):
   * every metric within the tolerance, equal ledgers.
   */
  private static void compare(String algorithm, Row clusterRecord, Row localRecord) {
    Map<String, Double> clusterMetrics = new TreeMap<>(clusterRecord.<String, Double>getJavaMap(
        clusterRecord.fieldIndex("metrics")));
    Map<String, Double> localMetrics = new TreeMap<>(localRecord.<String, Double>getJavaMap(
        localRecord.fieldIndex("metrics")));
    Map<String, Long> clusterLedger = new TreeMap<>(clusterRecord.<String, Long>getJavaMap(
        clusterRecord.fieldIndex("ledger")));
    Map<String, Long> localLedger = new TreeMap<>(localRecord.<String, Long>getJavaMap(
        localRecord.fieldIndex("ledger")));

    System.out.println("[cluster-it] " + algorithm + ": metric  cluster                 local                   "
        + "|difference|");
    for (String metric : METRICS) {
      Double c = clusterMetrics.get(metric);
      Double l = localMetrics.get(metric);
      System.out.printf(Locale.ROOT, "[cluster-it] %-12s  %-22s  %-22s  %.3g%n", metric, c, l,
          c == null || l == null ? Double.NaN : Math.abs(c - l));
    }
    System.out.println("[cluster-it] ledger cluster " + clusterLedger);
    System.out.println("[cluster-it] ledger local   " + localLedger);
    for (String metric : METRICS) {
      assertTrue(clusterMetrics.containsKey(metric), "cluster run has no " + metric + ": " + clusterMetrics);
      assertTrue(localMetrics.containsKey(metric), "local run has no " + metric + ": " + localMetrics);
      assertEquals(localMetrics.get(metric), clusterMetrics.get(metric),
          algorithm.equals("lightgbm") ? LIGHTGBM_TOLERANCE : TOLERANCE,
          algorithm + ": " + metric + " differs between the cluster and local mode");
    }
    assertEquals(localLedger, clusterLedger, "row ledgers differ between the cluster and local mode");
  }

  /** The demo pipeline's shape, small: 20,000 generated rows, a small model, 4 partitions, an absolute warehouse. */
  private static Path writeConfig(Path file, Path warehouse, String algorithm, String params) throws IOException {
    String text = String.join("\n",
        "pipeline.name = " + NAME,
        "warehouse = \"" + warehouse.toAbsolutePath() + "\"",
        "source {",
        "  format = generated",
        "  generated { rows = 20000, seed = 7 }",
        "}",
        // Below 1.0 so the hash-based sampler is exercised on the cluster too.
        "sample { fraction = 0.9, seed = 42 }",
        "clean.dedup {",
        "  exact = true",
        "  key = [customer_id]",
        "  latest-by = updated_at",
        "}",
        "features {",
        "  label = churned",
        "  numeric = [tenure_months, monthly_charges, total_charges, support_calls, age]",
        "  categorical = [country, plan, contract, payment_method]",
        "  impute = median",
        "}",
        "model {",
        "  algorithm = " + algorithm,
        "  " + params,
        "}",
        "evaluation {",
        "  test-fraction = 0.2",
        "  split-by = [customer_id]",
        "  seed = 42",
        "}",
        "spark.partitions = 4",
        "");
    return Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  private static Row onlyRecord(Path registryRoot) {
    List<Row> rows = SharedSpark.session().read().format("delta")
        .load(registryRoot.resolve("model_versions").toString()).collectAsList();
    assertEquals(1, rows.size(), () -> "expected one registry record under " + registryRoot + ": " + rows);
    Row row = rows.get(0);
    assertEquals(NAME, row.getAs("name"));
    assertEquals(1L, row.<Long>getAs("version"));
    return row;
  }

  private static Path requiredPath(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      fail("system property " + property + " is not set (run through failsafe: mvn verify -pl jobs -am)");
    }
    Path path = Path.of(value);
    assertTrue(Files.exists(path), () -> property + " does not exist: " + path + " (run mvn package first)");
    return path;
  }

  /** Executor logs are written by the Workers asynchronously: poll briefly for them. */
  private static List<ExecutorDirectory> awaitExecutorsWithFinishedTasks(StandaloneSparkCluster cluster, String appId,
      int min, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    do {
      List<ExecutorDirectory> withTasks = cluster.executorDirectories(appId).stream()
          .filter(d -> d.finishedTasks() > 0).collect(Collectors.toList());
      if (withTasks.size() >= min) {
        return withTasks;
      }
      Thread.sleep(250);
    } while (System.nanoTime() < deadline);
    return cluster.executorDirectories(appId).stream().filter(d -> d.finishedTasks() > 0).collect(Collectors.toList());
  }

  /**
   * Samples, twice a second, the summed resident memory of this JVM and every process it started (the cluster's
   * daemons, the driver and, through the Workers, the executors). Linux only: elsewhere it reports nothing.
   */
  private static final class MemoryPeak {
    private final AtomicLong peakKb = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private MemoryPeak() {
      thread = new Thread(() -> {
        while (running) {
          long total = rssKb(ProcessHandle.current().pid());
          total += ProcessHandle.current().descendants().mapToLong(h -> rssKb(h.pid())).sum();
          peakKb.accumulateAndGet(total, Math::max);
          try {
            Thread.sleep(500);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "cluster-it-memory");
      thread.setDaemon(true);
    }

    static MemoryPeak start() {
      MemoryPeak peak = new MemoryPeak();
      peak.thread.start();
      return peak;
    }

    String stopAndDescribe() {
      running = false;
      thread.interrupt();
      long kb = peakKb.get();
      return kb == 0 ? "(unknown)" : String.format(Locale.ROOT, "%.2f GB", kb / 1024.0 / 1024.0);
    }

    private static long rssKb(long pid) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
          if (line.startsWith("VmRSS:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException | RuntimeException e) {
        // gone, or not Linux
      }
      return 0;
    }
  }
}

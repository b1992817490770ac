package dev.kiln.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Kiln against scikit-learn (issue 5), on the same machine, cores, rows and split: for each size of the flights table
 * ({@link PeerData}) and each pair of the same model family ({@link PeerModel}), both tools fit on the same training
 * rows and are measured on the same held-out rows ({@link PeerFit}). Run it with {@code bench/run-peer-comparison}
 * (see bench/README.md). It sets itself up first: {@code bin/fetch-vega-datasets} (unless {@code --data} names the
 * file) and {@code testing/python/ensure-sklearn.sh}. Prints progress, then one Markdown table and the scaling
 * check ({@link PeerTable}); exits 0 when every target is met, 1 when one is missed, 2 on a bad command line, a
 * failed setup or a run that failed before it measured everything (a fit that fails, a tool that saw other rows).
 */
public final class PeerComparisonBenchmark {

  static final Path PEER_SCRIPT = Path.of("bench", "python", "sklearn_peer.py");
  static final Path FETCH = Path.of("bin", "fetch-vega-datasets");
  static final Path ENSURE_SKLEARN = Path.of("testing", "python", "ensure-sklearn.sh");
  static final Path FETCHED = Path.of("data", "vega-datasets", "flights-3m.parquet");

  private PeerComparisonBenchmark() {}

  /** The benchmark could not set itself up: exit 2 with the reason. */
  static final class SetupFailure extends RuntimeException {
    SetupFailure(String message) {
      super(message);
    }
  }

  public static void main(String[] args) {
    PeerComparisonOptions options;
    try {
      options = PeerComparisonOptions.parse(args);
    } catch (PeerComparisonOptions.HelpRequested e) {
      System.out.println(PeerComparisonOptions.USAGE);
      System.exit(0);
      return;
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println(e.getMessage());
      }
      System.err.println(PeerComparisonOptions.USAGE);
      System.exit(2);
      return;
    }
    String started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    Progress progress = new Progress();
    progress.say("peer comparison: %s", String.join(" ", args));
    Path flights;
    String sklearnVersion;
    try {
      flights = options.data().orElseGet(() -> {
        progress.say("setup: %s", lastLine(run(FETCH.toString())));
        return FETCHED;
      });
      if (!Files.isRegularFile(flights)) {
        throw new SetupFailure("no flights table at " + flights.toAbsolutePath());
      }
      sklearnVersion = lastLine(run(ENSURE_SKLEARN.toString()));
      progress.say("setup: %s", sklearnVersion);
      if (!Files.isRegularFile(PEER_SCRIPT)) {
        throw new SetupFailure("scikit-learn's side is missing: " + PEER_SCRIPT.toAbsolutePath() + " (run from the "
            + "project's root, as bench/run-peer-comparison does)");
      }
    } catch (SetupFailure e) {
      System.err.println("[bench] setup failed: " + e.getMessage());
      System.exit(2);
      return;
    }

    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    if (load > Runtime.getRuntime().availableProcessors()) {
      progress.say("warning: load average %.1f on %d cores: other work is running, and the times will say more "
          + "about it than about the tools (scikit-learn's boosting above all: its OpenMP threads wait for each other)",
          load, Runtime.getRuntime().availableProcessors());
    }
    SparkSession spark = session(options.cores());
    List<PeerResult> results = new ArrayList<>();
    Map<Long, PeerData.Table> tables = new LinkedHashMap<>();
    try {
      int cores = spark.sparkContext().defaultParallelism();
      if (cores != options.cores()) {
        throw new IllegalStateException("local[" + options.cores() + "] runs " + cores + " tasks at once");
      }
      if (options.warmupRows() > 0) {
        warmUp(spark, progress, options, PeerData.table(spark, progress, flights, options.cache(),
            options.warmupRows(), options.seed()));
      }
      int pairs = 0;
      for (long size : options.sizes()) {
        PeerData.Table table = PeerData.table(spark, progress, flights, options.cache(), size, options.seed());
        tables.put(size, table);
        for (PeerModel model : options.models()) {
          results.add(measure(spark, progress, options, PEER_SCRIPT, table, model, pairs++));
        }
      }
    } catch (RuntimeException e) {
      // Not a missed target: nothing was measured to compare. Exit 2, as for a failed setup.
      e.printStackTrace();
      System.err.println("[bench] the run failed, no results: " + e.getMessage());
      spark.stop();
      System.exit(2);
      return;
    } finally {
      spark.stop();
    }

    System.out.println();
    System.out.printf(Locale.ROOT, "Peer comparison, %s — %s, Spark local[%d], %s with %d threads%n", started,
        SamplingBenchmark.machine(), options.cores(), sklearnVersion, options.cores());
    System.out.printf(Locale.ROOT, "flights-3m (%s) at %s rows; %s, then %d run%s per tool, size and model "
        + "(times and metrics are medians); the same time split for both tools:%n", flights, String.join(", ",
        options.sizes().stream().map(s -> String.format(Locale.ROOT, "%,d", s)).toList()),
        options.warmupRows() > 0 ? String.format(Locale.ROOT, "a warm-up fit of each on %,d rows",
            options.warmupRows()) : "no warm-up", options.runs(), options.runs() == 1 ? "" : "s");
    tables.forEach((size, t) -> System.out.printf(Locale.ROOT, "- %,d rows: train %,d / test %,d (%s)%n", size,
        t.trainRows(), t.testRows(), t.split()));
    System.out.println();
    System.out.print(PeerTable.markdown(results));
    System.out.println();
    System.out.print(PeerTable.scalingMarkdown(PeerTable.scaling(results)));
    System.out.println();
    System.out.printf(Locale.ROOT, "Targets: Kiln's held-out AUC-ROC / R² at least scikit-learn's − %.3f; Kiln's fit "
        + "faster from %,d rows; from the smallest to the largest size, Kiln's fit time growing at most %.1f × as "
        + "much as the rows (linear, %.0f %% tolerance).%n", PeerResult.METRIC_TOLERANCE, PeerResult.TIME_TARGET_FROM,
        1 + PeerTable.SCALING_TOLERANCE, PeerTable.SCALING_TOLERANCE * 100);
    List<String> missed = PeerTable.missed(results);
    missed.forEach(m -> System.out.println("- missed: " + m));
    System.out.println(missed.isEmpty() ? "All targets met." : "A target was missed.");
    System.exit(missed.isEmpty() ? 0 : 1);
  }

  /**
   * Every run of one model on one size, the tools taking turns to go first ({@code turn} counts the pairs measured
   * before, so with one run each the turns alternate from pair to pair).
   */
  static PeerResult measure(SparkSession spark, Progress progress, PeerComparisonOptions options, Path script,
      PeerData.Table table, PeerModel model, int turn) {
    long size = table.size();
    List<PeerFit> kiln = new ArrayList<>();
    List<PeerFit> sklearn = new ArrayList<>();
    Path warehouse = options.cache().resolve("warehouse");
    for (int run = 1; run <= options.runs(); run++) {
      boolean kilnFirst = (turn + run) % 2 == 1;
      for (int side = 0; side < 2; side++) {
        boolean isKiln = kilnFirst == (side == 0);
        PeerFit fit = isKiln ? PeerFit.kiln(spark, model, table, options.cores(), warehouse)
            : PeerFit.sklearn(options.python(), script, model, table, options.cores());
        checkRows(isKiln ? "Kiln" : "scikit-learn", fit, table);
        (isKiln ? kiln : sklearn).add(fit);
        progress.say("%,d rows, %s, run %d/%d: %s fit %.2f s; %s (load average %.1f)", size, model.title(), run,
            options.runs(), isKiln ? "Kiln" : "scikit-learn", fit.seconds(), fit.describeMetrics(),
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      }
    }
    return new PeerResult(size, model, kiln, sklearn);
  }

  /**
   * Each pair fitted once by each tool on a small table, unrecorded: the first fits in a JVM load classes (XGBoost's
   * native library among them) and compile code, which would otherwise fall on the first size measured.
   */
  private static void warmUp(SparkSession spark, Progress progress, PeerComparisonOptions options,
      PeerData.Table table) {
    for (PeerModel model : options.models()) {
      PeerFit kiln = PeerFit.kiln(spark, model, table, options.cores(), options.cache().resolve("warehouse"));
      PeerFit sklearn = PeerFit.sklearn(options.python(), PEER_SCRIPT, model, table, options.cores());
      progress.say("warm-up on %,d rows, %s (not recorded): Kiln fit %.2f s, scikit-learn fit %.2f s",
          table.size(), model.title(), kiln.seconds(), sklearn.seconds());
    }
  }

  /** Both tools must have fitted and been measured on every row of the table's two sides. */
  private static void checkRows(String tool, PeerFit fit, PeerData.Table table) {
    if (fit.trainRows() != table.trainRows() || fit.testRows() != table.testRows()) {
      throw new IllegalStateException(String.format(Locale.ROOT, "%s fitted on %,d and measured on %,d rows; the "
          + "table has %,d training and %,d held-out rows", tool, fit.trainRows(), fit.testRows(), table.trainRows(),
          table.testRows()));
    }
  }

  /** Runs a setup script from the project's root; its output (stdout and stderr), or a failure with its end. */
  static String run(String script) {
    ProcessBuilder builder = new ProcessBuilder(script).redirectErrorStream(true);
    try {
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int status = process.waitFor();
      if (status != 0) {
        throw new SetupFailure(script + " exited " + status + (output.isBlank() ? "" : ":\n" + output.strip()));
      }
      return output;
    } catch (IOException e) {
      throw new SetupFailure("cannot run " + script + " (run from the project's root, as "
          + "bench/run-peer-comparison does): " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SetupFailure("interrupted while running " + script);
    }
  }

  private static String lastLine(String output) {
    String[] lines = output.strip().split("\n");
    return lines[lines.length - 1].strip();
  }

  /**
   * A local session like {@code bin/kiln}'s: N cores, loopback, no UI, shuffle partitions sized down. The time split
   * of a 30-million-row table brings each partition's 6 million latest times to the driver to find its cutoff, more
   * than Spark's default 1 GB limit on results may allow.
   */
  static SparkSession session(int cores) {
    return SparkSession.builder().appName("kiln-peer-comparison").master("local[" + cores + "]")
        .config("spark.sql.shuffle.partitions", String.valueOf(4 * cores))
        .config("spark.driver.maxResultSize", "4g")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
  }
}

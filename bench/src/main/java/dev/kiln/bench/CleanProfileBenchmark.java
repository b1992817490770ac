package dev.kiln.bench;

import dev.kiln.profile.Profile;
import dev.kiln.profile.Profiler;
import dev.kiln.profile.SparkProfiler;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Clean and profile a generated 20-column table ({@link CleanProfileData}, 10 million rows by default) on
 * {@code local[N]}: Kiln (the cleaning of {@link CleanStep}, then {@link SparkProfiler}, whose analyzers share scans)
 * against a naive version in the same run (the same cleaning, then {@link NaiveProfiler}: one Spark job per column
 * statistic). Each run is timed end to end, from reading the Parquet table to the profile on the driver. Run it with
 * {@code bench/run-clean-profile} (see bench/README.md). After both versions, each run also times the stack alone on
 * the same table ({@link StackFloors}). Prints progress, then Markdown tables of medians, rows/s/core, the ratio
 * naive / Kiln and the stack's floors against the time the throughput target allows; exits 0 when Kiln makes at
 * least {@value #ROWS_PER_SECOND_PER_CORE} rows/s/core and is at least {@value #SPEEDUP} times as fast as the naive
 * version, 1 when it misses, 2 on a bad command line.
 */
public final class CleanProfileBenchmark {

  /** Input rows per second per core Kiln must reach (clean + profile, end to end). */
  static final double ROWS_PER_SECOND_PER_CORE = 300_000;
  /** How many times Kiln's median time must fit into the naive version's. */
  static final double SPEEDUP = 3.0;

  static final String KILN = "Kiln: exact dedup (cached), GroupedImputer, OutlierBounds iqr clip, then SparkProfiler "
      + "(3 shared passes + Spearman)";
  static final String NAIVE = "naive: the same cleaning, then one Spark job per column statistic, a stat().corr per "
      + "Pearson pair, a sort per column + a stat().corr per pair of ranks for Spearman";

  private CleanProfileBenchmark() {}

  /** One measured run of one version. */
  record Run(double seconds, Profile profile, int jobs, String sites) {}

  public static void main(String[] args) {
    CleanProfileOptions options;
    try {
      options = CleanProfileOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println(e.getMessage());
      }
      System.err.println(CleanProfileOptions.USAGE);
      System.exit(2);
      return;
    }
    String started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    Progress progress = new Progress();
    progress.say("clean + profile benchmark: %s", String.join(" ", args));
    SparkSession spark = session(options.cores());
    List<Run> kiln = new ArrayList<>();
    List<Run> naive = new ArrayList<>();
    List<Run> exact = new ArrayList<>();
    List<StackFloors> floors = new ArrayList<>();
    int cores;
    try {
      cores = spark.sparkContext().defaultParallelism();
      if (cores != options.cores()) {
        throw new IllegalStateException("local[" + options.cores() + "] runs " + cores + " tasks at once");
      }
      String table = CleanProfileData.table(spark, progress, options.data(), options.rows(), options.files());
      if (options.warmupRows() > 0) {
        String small = CleanProfileData.table(spark, progress, options.data(), options.warmupRows(), cores);
        Run k = run(spark, small, kiln(options));
        Run n = run(spark, small, new NaiveProfiler());
        progress.say("warm-up on %,d rows: Kiln %.1f s (%d jobs), naive %.1f s (%d jobs)", options.warmupRows(),
            k.seconds(), k.jobs(), n.seconds(), n.jobs());
      }
      for (int i = 1; i <= options.runs(); i++) {
        // Alternate which goes first, so that drift in the machine's load falls on both.
        boolean naiveFirst = i % 2 == 1;
        Run first = run(spark, table, naiveFirst ? new NaiveProfiler() : kiln(options));
        Run second = run(spark, table, naiveFirst ? kiln(options) : new NaiveProfiler());
        Run n = naiveFirst ? first : second;
        Run k = naiveFirst ? second : first;
        check(k, n, CleanProfileData.originals(options.rows()));
        kiln.add(k);
        naive.add(n);
        progress.say("run %d/%d: Kiln %.1f s (%d jobs), naive %.1f s (%d jobs); largest difference of their "
            + "Pearson %.1e, Spearman %.1e (Kiln ranked %,d rows, naive %,d)", i, options.runs(), k.seconds(),
            k.jobs(), n.seconds(), n.jobs(), largestDifference(k.profile().pearson(), n.profile().pearson()),
            largestDifference(k.profile().spearman(), n.profile().spearman()),
            k.profile().spearman().completeRows().orElse(0L), n.profile().spearman().completeRows().orElse(0L));
        progress.say("  Kiln's jobs by call site: %s", k.sites());
        progress.say("  naive's jobs by call site: %s", n.sites());
        StackFloors f = StackFloors.measure(spark, table, options.data().resolve("floors-scratch"));
        check(f, options.rows());
        floors.add(f);
        progress.say("  the stack alone, run %d/%d: scan %.1f s, Delta write of the rows unchanged %.1f s, Spark's "
            + "exact dedup %.1f s", i, options.runs(), f.scanSeconds(), f.deltaWriteSeconds(), f.dedupSeconds());
      }
      for (int i = 1; i <= options.exactRuns(); i++) {
        Run e = run(spark, table, kiln(options.rankedRows(Long.MAX_VALUE)));
        exact.add(e);
        progress.say("Kiln ranking every row for Spearman, run %d/%d (information): %.1f s (%d jobs); largest "
            + "difference of its Spearman from the sampled one's %.1e", i, options.exactRuns(), e.seconds(), e.jobs(),
            largestDifference(e.profile().spearman(), kiln.get(0).profile().spearman()));
        progress.say("  its jobs by call site: %s", e.sites());
      }
    } finally {
      spark.stop();
    }

    System.out.println();
    System.out.printf(Locale.ROOT, "Clean + profile benchmark, %s — %s, Spark local[%d]%n", started, SamplingBenchmark.machine(),
        cores);
    System.out.printf(Locale.ROOT, "%,d rows × 20 columns (%,d after dedup) in %d Parquet files, %s + %d runs per "
        + "version; Kiln's Spearman ranks %s%n%n", options.rows(), CleanProfileData.originals(options.rows()),
        options.files(), options.warmupRows() > 0 ? String.format(Locale.ROOT, "a warm-up on %,d rows",
            options.warmupRows()) : "no warm-up", options.runs(), options.rankedRows() == Long.MAX_VALUE
            ? "every row" : String.format(Locale.ROOT, "a sample above %,d rows", options.rankedRows()));
    Comparison time = comparison(options, kiln, naive);
    System.out.print(ResultsTable.markdown(List.of(time)));
    System.out.println();
    System.out.print(throughput(time, options.rows(), cores, kiln.get(0).jobs(), naive.get(0).jobs()));
    System.out.println();
    System.out.print(floors(floors, options.rows(), cores));
    if (!exact.isEmpty()) {
      double median = Comparison.median(exact.stream().map(Run::seconds).toList());
      System.out.printf(Locale.ROOT, "%nFor information: Kiln ranking every row for Spearman (--ranked-rows all), "
          + "median of %d run%s after the measured ones: %.2f s, %,.0f rows/s/core, naive / that %.2f×%n",
          exact.size(), exact.size() == 1 ? "" : "s", median, rowsPerSecondPerCore(median, options.rows(), cores),
          time.medianBaseline() / median);
    }
    boolean pass = passes(time, options.rows(), cores);
    System.out.println();
    System.out.println(pass ? "All targets met." : "A target was missed.");
    System.exit(pass ? 0 : 1);
  }

  /** Kiln's profiler with its default options, but for the rows above which Spearman ranks a sample. */
  static SparkProfiler kiln(CleanProfileOptions options) {
    SparkProfiler.Options d = SparkProfiler.Options.DEFAULTS;
    return new SparkProfiler(new SparkProfiler.Options(d.histogramBins(), d.topValues(), d.quantiles(),
        d.quantileAccuracy(), d.maxLabelClasses(), options.rankedRows()));
  }

  /** Reads the table, cleans it, profiles the cleaned rows; timed from the read to the profile on the driver. */
  static Run run(SparkSession spark, String table, Profiler profiler) {
    try (JobTimes times = JobTimes.start(spark)) {
      long start = System.nanoTime();
      Dataset<Row> raw = spark.read().parquet(table);
      Profile profile;
      try (CleanStep clean = CleanStep.of(raw)) {
        profile = profiler.profile(clean.rows(), Optional.of(CleanProfileData.LABEL));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      times.close();
      return new Run(seconds, profile, times.jobs(), times.summary(6));
    }
  }

  /** Both versions profiled every row the cleaning kept, and agree on what they are. */
  private static void check(Run kiln, Run naive, long expectedRows) {
    if (kiln.profile().rows() != expectedRows || naive.profile().rows() != expectedRows) {
      throw new IllegalStateException("expected " + expectedRows + " rows after dedup; Kiln profiled "
          + kiln.profile().rows() + ", naive " + naive.profile().rows());
    }
    for (int i = 0; i < kiln.profile().columns().size(); i++) {
      var k = kiln.profile().columns().get(i);
      var n = naive.profile().columns().get(i);
      if (k.nulls() != n.nulls() || k.count() != n.count()) {
        throw new IllegalStateException("the versions disagree on " + k.name() + ": " + k + " / " + n);
      }
    }
  }

  /** The floors did the work they are named for: every row written, the duplicates (and only they) dropped. */
  private static void check(StackFloors floors, long rows) {
    if (floors.deltaRows() != rows || floors.dedupRows() != CleanProfileData.originals(rows)) {
      throw new IllegalStateException("the stack's floors did not see the table: Delta copy " + floors.deltaRows()
          + " rows (expected " + rows + "), exact dedup kept " + floors.dedupRows() + " (expected "
          + CleanProfileData.originals(rows) + ")");
    }
  }

  /**
   * The floors' medians against the time the throughput target allows for everything: what Spark and Delta cost on
   * this machine before Kiln does any of its own work.
   */
  static String floors(List<StackFloors> floors, long rows, int cores) {
    double budget = rows / ROWS_PER_SECOND_PER_CORE / cores;
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "The stack alone on the same table, median of %d (no cleaning, no statistic;"
        + " %,.0f rows/s/core allows %.2f s for everything):%n%n", floors.size(), ROWS_PER_SECOND_PER_CORE, budget));
    out.append("| step | median time | rows/s/core | share of the target's time |\n");
    out.append("|---|---:|---:|---:|\n");
    floorRow(out, "scan: read the Parquet table, decode every column",
        floors.stream().map(StackFloors::scanSeconds).toList(), rows, cores, budget);
    floorRow(out, "write the rows unchanged to a new Delta table",
        floors.stream().map(StackFloors::deltaWriteSeconds).toList(), rows, cores, budget);
    floorRow(out, "Spark's exact dedup (`dropDuplicates().count()`)",
        floors.stream().map(StackFloors::dedupSeconds).toList(), rows, cores, budget);
    return out.toString();
  }

  private static void floorRow(StringBuilder out, String step, List<Double> seconds, long rows, int cores,
      double budget) {
    double median = Comparison.median(seconds);
    out.append(String.format(Locale.ROOT, "| %s | %.2f s | %,.0f | %.0f %% |%n", step, median,
        rowsPerSecondPerCore(median, rows, cores), 100 * median / budget));
  }

  /** The largest absolute difference between two matrices of the same columns. */
  static double largestDifference(Profile.CorrelationMatrix a, Profile.CorrelationMatrix b) {
    if (!a.columns().equals(b.columns())) {
      throw new IllegalStateException("the versions correlate different columns: " + a.columns() + " / "
          + b.columns());
    }
    double largest = 0;
    for (int i = 0; i < a.values().size(); i++) {
      largest = Math.max(largest, Math.abs(a.values().get(i) - b.values().get(i)));
    }
    return largest;
  }

  static Comparison comparison(CleanProfileOptions options, List<Run> kiln, List<Run> naive) {
    return new Comparison(String.format(Locale.ROOT, "Clean + profile %,d rows × 20 columns: time", options.rows()),
        NAIVE, KILN, Comparison.Unit.SECONDS, naive.stream().map(Run::seconds).toList(),
        kiln.stream().map(Run::seconds).toList(), OptionalDouble.of(1 / SPEEDUP));
  }

  static double rowsPerSecondPerCore(double seconds, long rows, int cores) {
    return rows / seconds / cores;
  }

  static boolean passes(Comparison time, long rows, int cores) {
    return rowsPerSecondPerCore(time.medianKiln(), rows, cores) >= ROWS_PER_SECOND_PER_CORE
        && time.medianBaseline() / time.medianKiln() >= SPEEDUP;
  }

  /** Throughput of each version, and the speed-up, against the targets. */
  static String throughput(Comparison time, long rows, int cores, int kilnJobs, int naiveJobs) {
    double kilnRate = rowsPerSecondPerCore(time.medianKiln(), rows, cores);
    double naiveRate = rowsPerSecondPerCore(time.medianBaseline(), rows, cores);
    double speedup = time.medianBaseline() / time.medianKiln();
    StringBuilder out = new StringBuilder();
    out.append("| version | Spark jobs per run | median time | rows/s/core (input rows ÷ median s ÷ ")
        .append(cores).append(" cores) | target | result |\n");
    out.append("|---|---:|---:|---:|---:|---|\n");
    out.append(String.format(Locale.ROOT, "| Kiln | %d | %.2f s | %,.0f | ≥ %,.0f | %s |%n", kilnJobs,
        time.medianKiln(), kilnRate, ROWS_PER_SECOND_PER_CORE,
        kilnRate >= ROWS_PER_SECOND_PER_CORE ? "pass" : "**FAIL**"));
    out.append(String.format(Locale.ROOT, "| naive | %d | %.2f s | %,.0f | (info) | — |%n", naiveJobs,
        time.medianBaseline(), naiveRate));
    out.append(String.format(Locale.ROOT, "| naive / Kiln (median times) | | %.2f× | | ≥ %.2f× | %s |%n", speedup,
        SPEEDUP, speedup >= SPEEDUP ? "pass" : "**FAIL**"));
    return out.toString();
  }

  /** A local session like {@code bin/kiln}'s: N cores, loopback, no UI, Delta, shuffle partitions sized down. */
  private static SparkSession session(int cores) {
    return SparkSession.builder().appName("kiln-clean-profile-benchmark").master("local[" + cores + "]")
        .config("spark.sql.shuffle.partitions", String.valueOf(4 * cores))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .getOrCreate();
  }
}

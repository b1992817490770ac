package dev.kiln.bench;

import dev.kiln.source.DeltaSource;
import dev.kiln.source.FileSource;
import dev.kiln.source.Source;
import java.lang.management.ManagementFactory;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The sampling benchmarks of issue 3, each against a baseline in the same run: block sampling of Parquet and Delta
 * tables against row sampling (bytes read), and a sample pushed down to PostgreSQL against reading the whole table
 * and sampling in Spark (time). Run it with {@code bench/run-sampling} (see bench/README.md), never from
 * a test. Prints progress, then a Markdown table of medians and ratios; exits 1 when a ratio misses its target and
 * 2 on a bad command line.
 */
public final class SamplingBenchmark {

  private SamplingBenchmark() {}

  public static void main(String[] args) {
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println(e.getMessage());
      }
      System.err.println(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    String started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    Progress progress = new Progress();
    progress.say("sampling benchmark: %s", String.join(" ", args));
    List<Comparison> results = new ArrayList<>();
    SparkSession spark = session();
    try {
      BenchData data = new BenchData(options.data());
      if (options.benchmarks().contains("blocks")) {
        for (String format : options.formats()) {
          String uri = data.table(spark, progress, format, options.rows(), options.files());
          Source source = "delta".equals(format) ? new DeltaSource(uri) : new FileSource(format, uri, Map.of());
          results.addAll(BlockSamplingBenchmark.run(spark, progress, label(format), source, options));
        }
      }
      if (options.benchmarks().contains("pushdown")) {
        results.addAll(PostgresPushdownBenchmark.run(spark, progress, data, options));
      }
    } finally {
      spark.stop();
    }

    System.out.println();
    System.out.printf(Locale.ROOT, "Sampling benchmark, %s — %s%n", started, machine());
    System.out.printf(Locale.ROOT, "%,d rows, %d files per table, fraction %s, seed %d, %d warm-up + %d repetitions "
        + "per side (PostgreSQL: %d, over %d JDBC connections)%n%n", options.rows(), options.files(),
        options.fraction(), options.seed(), options.warmups(), options.repetitions(), options.pushdownRepetitions(),
        options.jdbcPartitions());
    System.out.print(ResultsTable.markdown(results));
    boolean pass = results.stream().allMatch(Comparison::passes);
    System.out.println();
    System.out.println(pass ? "All targets met." : "A target was missed.");
    System.exit(pass ? 0 : 1);
  }

  private static String label(String format) {
    return "delta".equals(format) ? "Delta" : "Parquet";
  }

  /** A local session like {@code bin/kiln}'s: every core, Delta, loopback, no UI, shuffle partitions sized down. */
  private static SparkSession session() {
    return SparkSession.builder().appName("kiln-sampling-benchmark").master("local[*]")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
  }

  static String machine() {
    Runtime rt = Runtime.getRuntime();
    var os = ManagementFactory.getOperatingSystemMXBean();
    long physical = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : 0;
    return String.format(Locale.ROOT, "%d cores, %.0f GB RAM, %s %s, Java %s, Spark %s, heap %.1f GB",
        rt.availableProcessors(), physical / 1e9, System.getProperty("os.name"), System.getProperty("os.arch"),
        System.getProperty("java.version"), org.apache.spark.package$.MODULE$.SPARK_VERSION(), rt.maxMemory() / 1e9);
  }
}

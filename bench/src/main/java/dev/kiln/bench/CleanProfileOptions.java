package dev.kiln.bench;

import dev.kiln.profile.SparkProfiler;
import java.nio.file.Path;

/**
 * The command line of {@link CleanProfileBenchmark}. Defaults are the sizes the issue asks for; smaller {@code --rows}
 * make a quick check of the program itself, not a measurement.
 *
 * @param data the cache directory of the generated tables
 * @param rows rows of the measured table (about 1 % of them exact duplicates)
 * @param files Parquet files of the measured table
 * @param cores N of Spark's {@code local[N]}: the cores the figures are per
 * @param warmupRows rows of the small table each version runs on once, unrecorded, before the measured runs (0: none)
 * @param runs measured runs of each version
 * @param rankedRows Kiln's {@link SparkProfiler.Options#rankedRows()}: the rows above which Spearman ranks a sample
 * @param exactRuns runs of Kiln with Spearman ranking every row after the measured ones, for information
 */
record CleanProfileOptions(Path data, long rows, int files, int cores, long warmupRows, int runs, long rankedRows,
    int exactRuns) {

  static final String USAGE = """
      usage: bench/run-clean-profile [options]
        --data DIR          cache for the generated tables (default bench/target/clean-profile-data)
        --rows N            rows of the measured table, ~1 % exact duplicates (default 10000000)
        --files N           Parquet files of the measured table (default 16)
        --cores N           Spark runs in local[N]; figures are per core (default 2)
        --warmup-rows N     rows of the table each version runs on once, unrecorded, first (default 200000; 0: none)
        --runs N            measured runs of each version, at least 3 (default 3)
        --ranked-rows N     Kiln's Spearman ranks a sample above N rows (default: Kiln's, 1000000; all: never)
        --exact-runs N      then N runs of Kiln ranking every row for Spearman, for information (default 0)""";

  static CleanProfileOptions parse(String... args) {
    Path data = Path.of("bench", "target", "clean-profile-data");
    long rows = 10_000_000;
    int files = 16;
    int cores = 2;
    long warmupRows = 200_000;
    int runs = 3;
    long rankedRows = SparkProfiler.Options.DEFAULTS.rankedRows();
    int exactRuns = 0;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("-h") || flag.equals("--help")) {
        throw new IllegalArgumentException("");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i].replace("_", "");
      try {
        switch (flag) {
          case "--data" -> data = Path.of(args[i]);
          case "--rows" -> rows = Long.parseLong(value);
          case "--files" -> files = Integer.parseInt(value);
          case "--cores" -> cores = Integer.parseInt(value);
          case "--warmup-rows" -> warmupRows = Long.parseLong(value);
          case "--runs" -> runs = Integer.parseInt(value);
          case "--exact-runs" -> exactRuns = Integer.parseInt(value);
          case "--ranked-rows" -> rankedRows = value.equals("all") ? Long.MAX_VALUE : Long.parseLong(value);
          default -> throw new IllegalArgumentException("unknown option " + flag);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(flag + " takes a number, not " + args[i]);
      }
    }
    // Fewer than three runs give no median worth quoting on a noisy machine.
    if (runs < 3) {
      throw new IllegalArgumentException("--runs must be at least 3");
    }
    if (rows < 1_000 || rankedRows < 2 || exactRuns < 0 || files < 1 || cores < 1 || warmupRows < 0 || (warmupRows > 0 && warmupRows < 1_000)) {
      throw new IllegalArgumentException("--rows (and --warmup-rows unless 0) must be at least 1000, --ranked-rows 2; "
          + "--files and --cores positive");
    }
    return new CleanProfileOptions(data, rows, files, cores, warmupRows, runs, rankedRows, exactRuns);
  }

  /** These options with another {@link #rankedRows}. */
  CleanProfileOptions rankedRows(long ranked) {
    return new CleanProfileOptions(data, rows, files, cores, warmupRows, runs, ranked, exactRuns);
  }
}

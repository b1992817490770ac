package dev.kiln.bench;

import java.nio.file.Path;

/**
 * The command line of {@link ServingBenchmark}.
 *
 * @param trainRows generated rows the pipeline is trained on
 * @param records held-out records scored in process and sent over HTTP
 * @param runs in-process passes over the records (the median is reported)
 * @param sparkRecords records scored one by one through a local SparkSession
 * @param http whether to measure {@code kiln serve} over HTTP (needs the application jar: bench/run-serving builds it)
 * @param rate HTTP requests per second, sent at constant rate
 * @param seconds how long each measured HTTP run lasts (after a warm-up of the same length)
 * @param httpRuns measured HTTP runs; the one with the median p99 is reported
 * @param work where the warehouse and logs go
 */
record ServingOptions(long trainRows, int records, int runs, int sparkRecords, boolean http, int rate, int seconds,
    int httpRuns, Path work) {

  static final String USAGE = """
      usage: bench/run-serving [options]
        --train-rows N      generated rows the pipeline is trained on (default 200000)
        --records N         held-out records scored in process and over HTTP (default 20000)
        --runs N            in-process passes over the records; the median is reported (default 5)
        --spark-records N   records scored one at a time through a local SparkSession (default 300)
        --rate N            HTTP requests per second, at constant rate (default 2000)
        --seconds N         each measured HTTP run, after a warm-up as long (default 30)
        --http-runs N       measured HTTP runs; the median p99 is reported (default 3)
        --no-http           skip the HTTP measurement
        --work DIR          warehouse and server logs (default bench/target/serving)""";

  /** {@code --help}: the usage on stdout, exit 0. */
  static final class HelpRequested extends IllegalArgumentException {
    HelpRequested() {
      super("");
    }
  }

  static ServingOptions parse(String... args) {
    long trainRows = 200_000;
    int records = 20_000;
    int runs = 5;
    int sparkRecords = 300;
    boolean http = true;
    int rate = 2000;
    int seconds = 30;
    int httpRuns = 3;
    Path work = Path.of("bench", "target", "serving");
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--help", "-h" -> throw new HelpRequested();
        case "--no-http" -> http = false;
        case "--train-rows" -> trainRows = positive(arg, value(args, ++i, arg));
        case "--records" -> records = (int) positive(arg, value(args, ++i, arg));
        case "--runs" -> runs = (int) positive(arg, value(args, ++i, arg));
        case "--spark-records" -> sparkRecords = (int) positive(arg, value(args, ++i, arg));
        case "--rate" -> rate = (int) positive(arg, value(args, ++i, arg));
        case "--seconds" -> seconds = (int) positive(arg, value(args, ++i, arg));
        case "--http-runs" -> httpRuns = (int) positive(arg, value(args, ++i, arg));
        case "--work" -> work = Path.of(value(args, ++i, arg));
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    return new ServingOptions(trainRows, records, runs, sparkRecords, http, rate, seconds, httpRuns, work);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static long positive(String option, String text) {
    try {
      long value = Long.parseLong(text);
      if (value <= 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " needs a positive whole number, not '" + text + "'");
    }
  }
}

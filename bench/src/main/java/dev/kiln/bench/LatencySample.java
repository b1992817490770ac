package dev.kiln.bench;

import java.util.Arrays;

/**
 * Latencies of one way of scoring: percentiles over every recorded call, and the rate achieved.
 *
 * @param path what was measured
 * @param p50Micros median latency
 * @param p99Micros 99th percentile
 * @param maxMicros the slowest call
 * @param perSecond records (or requests) completed per second
 * @param count calls recorded
 * @param errors calls that failed
 */
record LatencySample(String path, double p50Micros, double p99Micros, double maxMicros, double perSecond, long count,
    long errors) {

  /** From raw latencies in nanoseconds (sorted here) and the wall time they took together. */
  static LatencySample of(String path, long[] nanos, double seconds, long errors) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new LatencySample(path, percentile(sorted, 0.50) / 1e3, percentile(sorted, 0.99) / 1e3,
        sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e3, sorted.length / seconds, sorted.length, errors);
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}

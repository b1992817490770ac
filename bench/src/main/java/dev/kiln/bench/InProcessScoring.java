package dev.kiln.bench;

import dev.kiln.score.RowScorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The row scorer called in process on one thread: records per second (median of the runs) and per-call latency. */
final class InProcessScoring {

  private InProcessScoring() {}

  /**
   * @return the run with the median throughput, its latencies from the same calls
   */
  static LatencySample measure(RowScorer scorer, List<Map<String, Object>> records, int runs, Progress progress) {
    long sink = 0;
    // Class loading and the JIT's compilations before any timing: at least 5 s and 3 passes.
    long warmUntil = System.nanoTime() + 5_000_000_000L;
    for (int pass = 0; pass < 3 || System.nanoTime() < warmUntil; pass++) {
      for (Map<String, Object> record : records) {
        sink += scorer.score(record).size();
      }
    }
    List<LatencySample> samples = new ArrayList<>();
    for (int run = 0; run < runs; run++) {
      // Throughput from a pass without timers; latencies from a second pass that times each call.
      long start = System.nanoTime();
      for (Map<String, Object> record : records) {
        sink += scorer.score(record).size();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long[] nanos = new long[records.size()];
      for (int i = 0; i < nanos.length; i++) {
        long t0 = System.nanoTime();
        sink += scorer.score(records.get(i)).size();
        nanos[i] = System.nanoTime() - t0;
      }
      LatencySample timed = LatencySample.of("row scorer, in process, 1 thread", nanos, seconds, 0);
      LatencySample sample = new LatencySample(timed.path(), timed.p50Micros(), timed.p99Micros(), timed.maxMicros(),
          records.size() / seconds, timed.count(), 0);
      progress.say("in process, run %d: %,.0f records/s, p50 %.1f µs, p99 %.1f µs", run + 1, sample.perSecond(),
          sample.p50Micros(), sample.p99Micros());
      samples.add(sample);
    }
    if (sink == 42) {
      System.out.print("");  // keeps the JIT from dropping the scoring as dead code
    }
    samples.sort((a, b) -> Double.compare(a.perSecond(), b.perSecond()));
    return samples.get(samples.size() / 2);
  }
}

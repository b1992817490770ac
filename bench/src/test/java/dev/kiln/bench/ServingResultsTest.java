package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ServingResultsTest {

  @Test
  void percentilesAreNearestRankOverEveryCall() {
    long[] nanos = new long[100];
    for (int i = 0; i < nanos.length; i++) {
      nanos[i] = (100 - i) * 1000L;  // 1..100 µs, unsorted
    }
    LatencySample sample = LatencySample.of("x", nanos, 0.5, 0);
    assertEquals(50.0, sample.p50Micros());
    assertEquals(99.0, sample.p99Micros());
    assertEquals(100.0, sample.maxMicros());
    assertEquals(200.0, sample.perSecond(), "100 calls in half a second");
  }

  @Test
  void everyTargetMustHoldAndErrorsFailTheHttpOne() {
    ServingResults met = results(250_000, 400, 0, 120_000);
    assertTrue(met.allTargetsMet(), met.markdown());
    assertFalse(results(150_000, 400, 0, 120_000).allTargetsMet(), "too few records per second in process");
    assertFalse(results(250_000, 1_500, 0, 120_000).allTargetsMet(), "HTTP p99 over 1 ms");
    assertFalse(results(250_000, 400, 3, 120_000).allTargetsMet(), "failed requests");
    assertFalse(results(250_000, 400, 0, 20_000).allTargetsMet(), "Spark path only 80× slower than HTTP");
    assertTrue(met.markdown().contains("| HTTP POST"), met.markdown());
  }

  private static ServingResults results(double inProcessPerSecond, double httpP99, long httpErrors,
      double sparkP50) {
    ServingResults results = new ServingResults("now", "here");
    results.inProcess(new LatencySample("in process", 4, 20, 100, inProcessPerSecond, 1000, 0));
    results.http(new HttpScoring.Result(new LatencySample("HTTP POST", 250, httpP99, 3000, 2000, 60_000,
        httpErrors), 2000));
    results.spark(new LatencySample("spark", sparkP50, 200_000, 300_000, 8, 300, 0));
    return results;
  }
}

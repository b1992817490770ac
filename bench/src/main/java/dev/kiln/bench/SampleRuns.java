package dev.kiln.bench;

import dev.kiln.sample.BernoulliSampler;
import dev.kiln.source.Pushdown;
import dev.kiln.source.ReadMetrics;
import dev.kiln.source.ReadRequest;
import dev.kiln.source.Source;
import dev.kiln.source.SourceSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Taking a sample the way Kiln's sampler does, and measuring one materialisation of it. Both sides of every
 * comparison go through {@link #sample} and {@link #measure}, so they differ only in the {@link ReadRequest}
 * (or the source's pushdown setting).
 */
final class SampleRuns {

  private SampleRuns() {}

  /** A sample ready for an action, with what the source did at the source. */
  record Sampled(Dataset<Row> rows, Pushdown pushdown) {}

  /** One materialisation: wall time of read plus action, and the task input Spark counted for it. */
  record Run(double seconds, long bytesRead, long recordsRead, Pushdown pushdown) {}

  /** Both sides' runs, in repetition order. */
  record Outcome(List<Run> baseline, List<Run> kiln) {

    List<Double> seconds(List<Run> runs) {
      return runs.stream().map(Run::seconds).toList();
    }

    List<Double> bytes(List<Run> runs) {
      return runs.stream().map(r -> (double) r.bytesRead()).toList();
    }

    List<Double> records(List<Run> runs) {
      return runs.stream().map(r -> (double) r.recordsRead()).toList();
    }
  }

  /**
   * Reads {@code request.fraction()} of the source: whatever the source applied at the source, then a seeded
   * Bernoulli in Spark for the rest ({@code fraction / appliedFraction}), as the pipeline's sampler finishes it.
   */
  static Sampled sample(SparkSession spark, Source source, ReadRequest request) {
    SourceSnapshot snapshot = source.read(spark, request);
    double applied = snapshot.pushdown().appliedFraction();
    Dataset<Row> rows = snapshot.rows();
    if (applied > request.fraction()) {
      rows = new BernoulliSampler(Math.min(1.0, request.fraction() / applied), request.seed()).sample(rows);
    }
    return new Sampled(rows, snapshot.pushdown());
  }

  /**
   * Times the read and a {@code noop} write of every row and column. Not {@code count()}: Parquet answers that from
   * footers without reading a column, which would hide exactly the bytes block sampling saves.
   */
  static Run measure(SparkSession spark, Supplier<Sampled> side) {
    try (ReadMetrics metrics = ReadMetrics.start(spark)) {
      long start = System.nanoTime();
      Sampled sampled = side.get();
      sampled.rows().write().format("noop").mode("overwrite").save();
      double seconds = (System.nanoTime() - start) / 1e9;
      metrics.settle();
      return new Run(seconds, metrics.bytesRead(), metrics.recordsRead(), sampled.pushdown());
    }
  }

  /**
   * Runs both sides {@code warmups} times unrecorded (JIT, page cache, Delta's snapshot cache), then
   * {@code repetitions} times each, alternating which goes first, so that drift in the machine's load falls on both.
   */
  static Outcome duel(SparkSession spark, Progress progress, String label, Supplier<Sampled> baseline,
      Supplier<Sampled> kiln, int warmups, int repetitions) {
    for (int i = 1; i <= warmups; i++) {
      Run b = measure(spark, baseline);
      Run k = measure(spark, kiln);
      progress.say("%s warm-up %d/%d: baseline %.1f s, Kiln %.1f s", label, i, warmups, b.seconds(), k.seconds());
    }
    List<Run> baselineRuns = new ArrayList<>();
    List<Run> kilnRuns = new ArrayList<>();
    for (int i = 1; i <= repetitions; i++) {
      boolean baselineFirst = i % 2 == 1;
      Run first = measure(spark, baselineFirst ? baseline : kiln);
      Run second = measure(spark, baselineFirst ? kiln : baseline);
      Run b = baselineFirst ? first : second;
      Run k = baselineFirst ? second : first;
      baselineRuns.add(b);
      kilnRuns.add(k);
      progress.say("%s repetition %d/%d: baseline %.2f s %s %,d rows read, Kiln %.2f s %s %,d rows read", label, i,
          repetitions, b.seconds(), ResultsTable.format(b.bytesRead(), Comparison.Unit.BYTES), b.recordsRead(),
          k.seconds(), ResultsTable.format(k.bytesRead(), Comparison.Unit.BYTES), k.recordsRead());
    }
    return new Outcome(baselineRuns, kilnRuns);
  }
}

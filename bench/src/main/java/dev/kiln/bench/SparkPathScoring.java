package dev.kiln.bench;

import dev.kiln.score.PipelineScorer;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The path the row scorer replaces: each record as a one-row DataFrame through {@code PipelineModel.transform} and
 * collected, in a warm local SparkSession. Each answer is also checked against the row scorer's.
 */
final class SparkPathScoring {

  private SparkPathScoring() {}

  static LatencySample measure(SparkSession spark, PipelineModel model, PipelineScorer scorer,
      List<Map<String, Object>> records, int count, Progress progress) {
    StructType schema = scorer.signature().inputSchema();
    String[] outputs = scorer.outputs().toArray(String[]::new);
    int warmUp = Math.min(20, records.size());
    for (int i = 0; i < warmUp; i++) {
      model.transform(ServingBenchmark.oneRow(spark, schema, records.get(i))).select(outputs[0]).collectAsList();
    }
    int n = Math.min(count, records.size());
    long[] nanos = new long[n];
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Map<String, Object> record = records.get(i);
      long t0 = System.nanoTime();
      Row row = model.transform(ServingBenchmark.oneRow(spark, schema, record))
          .selectExpr(outputs).collectAsList().get(0);
      nanos[i] = System.nanoTime() - t0;
      check(row, scorer.score(record), outputs, i);
    }
    LatencySample sample = LatencySample.of("PipelineModel.transform, local SparkSession", nanos,
        (System.nanoTime() - start) / 1e9, 0);
    progress.say("Spark path: %d records, p50 %.1f ms, p99 %.1f ms", n, sample.p50Micros() / 1e3,
        sample.p99Micros() / 1e3);
    return sample;
  }

  private static boolean close(double[] a, double[] b) {
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (Math.abs(a[i] - b[i]) > 1e-9) {
        return false;
      }
    }
    return true;
  }

  private static void check(Row row, Map<String, Object> scored, String[] outputs, int index) {
    for (int o = 0; o < outputs.length; o++) {
      Object spark = row.get(o);
      Object ours = scored.get(outputs[o]);
      boolean same = spark instanceof Vector vector ? close(vector.toArray(), (double[]) ours)
          : spark instanceof Double d ? close(new double[] {d}, new double[] {(Double) ours})
          : java.util.Objects.equals(spark, ours);
      if (!same) {
        throw new IllegalStateException("record " + index + ": Spark answers " + outputs[o] + " = " + spark
            + ", the row scorer " + (ours instanceof double[] d ? java.util.Arrays.toString(d) : ours));
      }
    }
  }
}

package dev.kiln.profile;

import java.io.Serializable;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Aggregator;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One aggregate that gives Pearson's correlation of every pair of {@code k} double inputs, each pair over the rows
 * where both are non-null. Spark's {@code corr} would need an expression per pair, whose generated code grows with
 * the square of the columns (a dozen columns already took seconds to compile); this keeps the pairs' co-moments in
 * arrays instead. Co-moments are updated as Welford's and merged as Chan's, so large offsets cost no precision.
 *
 * <p>Output: {@code struct<r: array<double>, n: array<bigint>>}, the upper triangle row by row ({@code (0,1), (0,2),
 * ..., (1,2), ...}); {@code r} is NaN where a pair has fewer than two rows or no spread.
 */
final class PairwiseMoments extends Aggregator<Row, PairwiseMoments.Buffer, Row> {

  static final StructType OUTPUT = new StructType()
      .add("r", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
      .add("n", DataTypes.createArrayType(DataTypes.LongType, false), false);

  private final int k;

  PairwiseMoments(int k) {
    this.k = k;
  }

  /** The input encoder: {@code k} nullable doubles. */
  static Encoder<Row> input(int k) {
    StructField[] fields = new StructField[k];
    for (int i = 0; i < k; i++) {
      fields[i] = DataTypes.createStructField("c" + i, DataTypes.DoubleType, true);
    }
    return Encoders.row(new StructType(fields));
  }

  /** Per pair: rows, means, second moments and the co-moment. */
  public static final class Buffer implements Serializable {
    private static final long serialVersionUID = 1L;
    final long[] n;
    final double[] meanX;
    final double[] meanY;
    final double[] m2X;
    final double[] m2Y;
    final double[] cXY;

    Buffer(int pairs) {
      n = new long[pairs];
      meanX = new double[pairs];
      meanY = new double[pairs];
      m2X = new double[pairs];
      m2Y = new double[pairs];
      cXY = new double[pairs];
    }
  }

  @Override
  public Buffer zero() {
    return new Buffer(k * (k - 1) / 2);
  }

  @Override
  public Buffer reduce(Buffer b, Row row) {
    int p = 0;
    for (int i = 0; i < k; i++) {
      if (row.isNullAt(i)) {
        p += k - 1 - i;
        continue;
      }
      double x = row.getDouble(i);
      for (int j = i + 1; j < k; j++, p++) {
        if (row.isNullAt(j)) {
          continue;
        }
        double y = row.getDouble(j);
        long n = ++b.n[p];
        double dx = x - b.meanX[p];
        b.meanX[p] += dx / n;
        double dy = y - b.meanY[p];
        b.meanY[p] += dy / n;
        b.m2X[p] += dx * (x - b.meanX[p]);
        b.m2Y[p] += dy * (y - b.meanY[p]);
        b.cXY[p] += dx * (y - b.meanY[p]);
      }
    }
    return b;
  }

  @Override
  public Buffer merge(Buffer a, Buffer b) {
    for (int p = 0; p < a.n.length; p++) {
      long n = a.n[p] + b.n[p];
      if (b.n[p] == 0) {
        continue;
      }
      double dx = b.meanX[p] - a.meanX[p];
      double dy = b.meanY[p] - a.meanY[p];
      double weight = (double) a.n[p] * b.n[p] / n;
      a.m2X[p] += b.m2X[p] + dx * dx * weight;
      a.m2Y[p] += b.m2Y[p] + dy * dy * weight;
      a.cXY[p] += b.cXY[p] + dx * dy * weight;
      a.meanX[p] += dx * b.n[p] / n;
      a.meanY[p] += dy * b.n[p] / n;
      a.n[p] = n;
    }
    return a;
  }

  @Override
  public Row finish(Buffer b) {
    double[] r = new double[b.n.length];
    for (int p = 0; p < b.n.length; p++) {
      boolean defined = b.n[p] >= 2 && b.m2X[p] > 0 && b.m2Y[p] > 0;
      r[p] = defined ? b.cXY[p] / Math.sqrt(b.m2X[p] * b.m2Y[p]) : Double.NaN;
    }
    // Primitive arrays are what the row encoder takes for array fields (a java.util.List it does not).
    return RowFactory.create(r, b.n.clone());
  }

  @Override
  public Encoder<Buffer> bufferEncoder() {
    return Encoders.javaSerialization(Buffer.class);
  }

  @Override
  public Encoder<Row> outputEncoder() {
    return Encoders.row(OUTPUT);
  }
}

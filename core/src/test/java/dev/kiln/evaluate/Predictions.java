package dev.kiln.evaluate;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Hand-made predictions of a classifier: its class probabilities, its predicted class and the actual one. */
final class Predictions {

  private final List<Row> rows = new ArrayList<>();

  /** A row: the actual class, then the probability of each class; the prediction is the most probable class. */
  Predictions row(double actual, double... probabilities) {
    int best = 0;
    for (int i = 1; i < probabilities.length; i++) {
      best = probabilities[i] > probabilities[best] ? i : best;
    }
    rows.add(RowFactory.create(Vectors.dense(probabilities), (double) best, actual));
    return this;
  }

  Dataset<Row> frame(SparkSession spark) {
    StructType schema = new StructType().add("probability", new VectorUDT())
        .add("prediction", DataTypes.DoubleType).add("y", DataTypes.DoubleType);
    return spark.createDataFrame(rows, schema).repartition(3);
  }
}

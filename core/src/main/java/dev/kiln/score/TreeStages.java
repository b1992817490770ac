package dev.kiln.score;

import java.util.Arrays;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.linalg.BLAS$;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.regression.GBTRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressionModel;
import org.apache.spark.sql.types.DataTypes;

/**
 * Row evaluators for MLlib's tree models over {@link FlatTree}s. Each computes the raw prediction exactly as the
 * model's own {@code predictRaw} / {@code predict} does (the same leaf values, summed in the same order with the same
 * BLAS routine), then hands it to the model's {@code raw2probability} and {@code raw2prediction}, so thresholds and
 * the loss's probability function stay Spark's.
 */
final class TreeStages {

  private TreeStages() {}

  /** What a classifier's trees give for one row: its raw prediction. */
  @FunctionalInterface
  private interface Raw {
    Vector of(double[] features);
  }

  static RowStage decisionTreeClassifier(DecisionTreeClassificationModel model, Layout layout) {
    FlatTree tree = FlatTree.of(model.rootNode());
    return classifier(model, layout, features -> Vectors.dense(tree.leaf(features).impurityStats().stats().clone()));
  }

  static RowStage randomForestClassifier(RandomForestClassificationModel model, Layout layout) {
    FlatTree[] trees = Arrays.stream(model.trees()).map(t -> FlatTree.of(t.rootNode())).toArray(FlatTree[]::new);
    int classes = model.numClasses();
    return classifier(model, layout, features -> {
      double[] votes = new double[classes];
      for (FlatTree tree : trees) {
        double[] classCounts = tree.leaf(features).impurityStats().stats();
        double total = 0;
        for (double count : classCounts) {
          total += count;
        }
        if (total != 0) {
          for (int i = 0; i < classes; i++) {
            votes[i] += classCounts[i] / total;
          }
        }
      }
      return Vectors.dense(votes);
    });
  }

  static RowStage gbtClassifier(GBTClassificationModel model, Layout layout) {
    FlatTree[] trees = Arrays.stream(model.trees()).map(t -> FlatTree.of(t.rootNode())).toArray(FlatTree[]::new);
    double[] weights = model.treeWeights();
    return classifier(model, layout, features -> {
      double margin = weightedSum(trees, weights, features);
      return Vectors.dense(-margin, margin);
    });
  }

  static RowStage decisionTreeRegressor(DecisionTreeRegressionModel model, Layout layout) {
    FlatTree tree = FlatTree.of(model.rootNode());
    return regressor(model.getFeaturesCol(), model.getPredictionCol(), layout,
        tree::predict);
  }

  static RowStage randomForestRegressor(RandomForestRegressionModel model, Layout layout) {
    FlatTree[] trees = Arrays.stream(model.trees()).map(t -> FlatTree.of(t.rootNode())).toArray(FlatTree[]::new);
    int numTrees = model.getNumTrees();
    return regressor(model.getFeaturesCol(), model.getPredictionCol(), layout, features -> {
      double sum = 0;  // Scala's Array.sum: left to right from 0
      for (FlatTree tree : trees) {
        sum += tree.predict(features);
      }
      return sum / numTrees;
    });
  }

  static RowStage gbtRegressor(GBTRegressionModel model, Layout layout) {
    FlatTree[] trees = Arrays.stream(model.trees()).map(t -> FlatTree.of(t.rootNode())).toArray(FlatTree[]::new);
    double[] weights = model.treeWeights();
    return regressor(model.getFeaturesCol(), model.getPredictionCol(), layout,
        features -> weightedSum(trees, weights, features));
  }

  /** GBT's margin: the trees' predictions dotted with their weights by the BLAS routine Spark uses. */
  private static double weightedSum(FlatTree[] trees, double[] weights, double[] features) {
    double[] predictions = new double[trees.length];
    for (int i = 0; i < trees.length; i++) {
      predictions[i] = trees[i].predict(features);
    }
    return BLAS$.MODULE$.nativeBLAS().ddot(trees.length, predictions, 1, weights, 1);
  }

  /** ProbabilisticClassificationModel.transform's order: raw, then probability from raw, prediction from raw. */
  @SuppressWarnings({"rawtypes"})
  private static RowStage classifier(ProbabilisticClassificationModel model, Layout layout, Raw raw) {
    int features = layout.slot(model.getFeaturesCol());
    int classes = model.numClasses();
    int rawSlot = model.getRawPredictionCol().isEmpty() ? -1
        : layout.defineVector(model.getRawPredictionCol(), classes);
    int probabilitySlot = model.getProbabilityCol().isEmpty() ? -1
        : layout.defineVector(model.getProbabilityCol(), classes);
    int predictionSlot = model.getPredictionCol().isEmpty() ? -1
        : layout.define(model.getPredictionCol(), DataTypes.DoubleType);
    return frame -> {
      Vector rawValue = raw.of(((Vector) frame[features]).toArray());
      if (rawSlot >= 0) {
        frame[rawSlot] = rawValue;
      }
      if (probabilitySlot >= 0) {
        frame[probabilitySlot] = model.raw2probability(rawValue);
      }
      if (predictionSlot >= 0) {
        frame[predictionSlot] = model.raw2prediction(rawValue);
      }
    };
  }

  private static RowStage regressor(String featuresCol, String predictionCol, Layout layout,
      java.util.function.ToDoubleFunction<double[]> predict) {
    int features = layout.slot(featuresCol);
    int prediction = layout.define(predictionCol, DataTypes.DoubleType);
    return frame -> frame[prediction] = predict.applyAsDouble(((Vector) frame[features]).toArray());
  }
}

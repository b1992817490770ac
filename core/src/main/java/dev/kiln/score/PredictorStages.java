package dev.kiln.score;

import com.microsoft.azure.synapse.ml.lightgbm.LightGBMClassificationModel;
import dev.kiln.train.MulticlassXGBoostModel;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressionModel;
import org.apache.spark.ml.PredictionModel;
import org.apache.spark.ml.classification.ClassificationModel;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.types.DataTypes;

/**
 * Row evaluators for the models other than trees ({@link TreeStages}). MLlib's and LightGBM's models are evaluated
 * through their own per-vector methods
 * ({@code predictRaw}, {@code raw2probability}, {@code raw2prediction}, {@code predict}) in the order their
 * {@code transform} uses them, so each output column is computed by the same code from the same input. XGBoost models
 * are evaluated by their native booster on a one-row dense array, as XGBoost4J-Spark's {@code transform} does in
 * batches, with its conversions (float features; binary probability {@code [1 - p, p]}).
 */
final class PredictorStages {

  private PredictorStages() {}

  @SuppressWarnings({"rawtypes", "unchecked"})
  static RowStage mllib(PredictionModel model, Layout layout) {
    int features = layout.slot(model.getFeaturesCol());
    String predictionCol = model.getPredictionCol();
    int prediction = predictionCol.isEmpty() ? -1 : layout.define(predictionCol, DataTypes.DoubleType);
    if (model instanceof ProbabilisticClassificationModel probabilistic) {
      int classes = probabilistic.numClasses();
      String rawCol = probabilistic.getRawPredictionCol();
      String probabilityCol = probabilistic.getProbabilityCol();
      int raw = rawCol.isEmpty() ? -1 : layout.defineVector(rawCol, classes);
      int probability = probabilityCol.isEmpty() ? -1 : layout.defineVector(probabilityCol, classes);
      // LightGBM's transform asks its booster for the probabilities (it has no raw2probability), as done here.
      boolean probabilityFromFeatures = model instanceof LightGBMClassificationModel;
      return frame -> {
        Vector v = (Vector) frame[features];
        Vector rawValue = raw >= 0 ? probabilistic.predictRaw(v) : null;
        Vector probabilityValue = probability < 0 ? null
            : rawValue != null && !probabilityFromFeatures ? probabilistic.raw2probability(rawValue)
            : probabilistic.predictProbability(v);
        if (raw >= 0) {
          frame[raw] = rawValue;
        }
        if (probability >= 0) {
          frame[probability] = probabilityValue;
        }
        if (prediction >= 0) {
          frame[prediction] = rawValue != null ? probabilistic.raw2prediction(rawValue)
              : probabilityValue != null ? probabilistic.probability2prediction(probabilityValue)
              : probabilistic.predict(v);
        }
      };
    }
    if (model instanceof ClassificationModel classifier) {
      String rawCol = classifier.getRawPredictionCol();
      int raw = rawCol.isEmpty() ? -1 : layout.defineVector(rawCol, classifier.numClasses());
      return frame -> {
        Vector v = (Vector) frame[features];
        Vector rawValue = raw >= 0 ? classifier.predictRaw(v) : null;
        if (raw >= 0) {
          frame[raw] = rawValue;
        }
        if (prediction >= 0) {
          frame[prediction] = rawValue != null ? classifier.raw2prediction(rawValue) : classifier.predict(v);
        }
      };
    }
    return frame -> {
      if (prediction >= 0) {
        frame[prediction] = model.predict(frame[features]);
      }
    };
  }

  static RowStage xgboostClassifier(XGBoostClassificationModel model, Layout layout) {
    Booster booster = model.nativeBooster().booster();
    float missing = model.getMissing();
    int classes = model.numClasses();
    int features = layout.slot(model.getFeaturesCol());
    int prediction = model.getPredictionCol().isEmpty() ? -1
        : layout.define(model.getPredictionCol(), DataTypes.DoubleType);
    int probability = model.getProbabilityCol().isEmpty() ? -1
        : layout.defineVector(model.getProbabilityCol(), classes);
    // Margins are not computed: no Kiln output needs them, and a later stage reading one is refused at compile.
    boolean softmax = "multi:softmax".equals(model.getObjective());
    return frame -> {
      float[] p = predict(booster, (Vector) frame[features], missing);
      if (softmax) {
        if (prediction >= 0) {
          frame[prediction] = (double) p[0];
        }
        if (probability >= 0) {
          frame[probability] = Vectors.dense(new double[] {p[0]});
        }
        return;
      }
      double[] probabilities = classes == 2 ? new double[] {1.0 - p[0], p[0]} : toDoubles(p);
      Vector probabilityValue = Vectors.dense(probabilities);
      if (probability >= 0) {
        frame[probability] = probabilityValue;
      }
      if (prediction >= 0) {
        frame[prediction] = model.probability2prediction(probabilityValue);
      }
    };
  }

  static RowStage xgboostRegressor(XGBoostRegressionModel model, Layout layout) {
    Booster booster = model.nativeBooster().booster();
    float missing = model.getMissing();
    int features = layout.slot(model.getFeaturesCol());
    int prediction = layout.define(model.getPredictionCol(), DataTypes.DoubleType);
    return frame -> frame[prediction] = (double) predict(booster, (Vector) frame[features], missing)[0];
  }

  static RowStage multiclassXGBoost(MulticlassXGBoostModel model, Layout layout) {
    return xgboostClassifier(model.model(), layout);
  }

  private static float[] predict(Booster booster, Vector features, float missing) {
    double[] values = features.toArray();
    float[] row = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      row[i] = (float) values[i];
    }
    try {
      return booster.inplace_predict(row, 1, row.length, missing)[0];
    } catch (XGBoostError e) {
      throw new IllegalStateException("XGBoost could not score a row: " + e.getMessage(), e);
    }
  }

  private static double[] toDoubles(float[] values) {
    double[] result = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = values[i];
    }
    return result;
  }
}

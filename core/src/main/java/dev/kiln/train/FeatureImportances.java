package dev.kiln.train;

import com.microsoft.azure.synapse.ml.lightgbm.LightGBMModelMethods;
import dev.kiln.feature.FeatureStages;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.scala.spark.XGBoostModel;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PredictionModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.classification.LinearSVCModel;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.collection.JavaConverters;

/**
 * What a fitted model says about its features, by feature name: the assembled vector's slots named as the user knows
 * them (see {@link #readable}): a numeric column's name, {@code column=value} for a one-hot slot.
 *
 * <ul>
 *   <li>{@link Kind#IMPORTANCE}: tree models (decision tree, random forest, gbt) give MLlib's impurity-based
 *       importances; xgboost and lightgbm their total gain per feature, scaled to sum to 1.
 *   <li>{@link Kind#COEFFICIENT}: linear models (logistic and linear regression, linear SVM) give their coefficients,
 *       signed, on the features' own scale (standardisation inside the estimator does not change that); a
 *       multinomial logistic regression gives each feature's largest absolute coefficient over the classes.
 *   <li>{@link Kind#NONE}: naive Bayes and the MLP: an empty list.
 * </ul>
 *
 * Entries are ordered by absolute value, largest first.
 */
public final class FeatureImportances {

  /** What the values are. */
  public enum Kind { IMPORTANCE, COEFFICIENT, NONE }

  /** One feature and its value. */
  public record Entry(String feature, double value) {}

  private FeatureImportances() {}

  /**
   * @param model a fitted Kiln pipeline
   * @param sample rows with the model's input columns (only their schema is used: nothing is computed)
   */
  public static List<Entry> of(PipelineModel model, Dataset<Row> sample) {
    AttributeGroup group = AttributeGroup.fromStructField(model.transform(sample).schema()
        .apply(FeatureStages.FEATURES));
    double[] values = values(predictor(model), group.size());
    if (values == null) {
      return List.of();
    }
    Map<String, String[]> scaled = scaledInputs(model);
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      String name = group.attributes().isDefined() && i < group.size() && group.getAttr(i).name().isDefined()
          ? readable(unscaled(group.getAttr(i).name().get(), scaled)) : "feature_" + i;
      entries.add(new Entry(name, values[i]));
    }
    entries.sort(Comparator.comparingDouble((Entry e) -> Math.abs(e.value())).reversed());
    return List.copyOf(entries);
  }

  /**
   * A slot of the assembled vector named as the user knows it: the source column of an imputed or clipped number
   * ({@code x1__imputed} is {@code x1}, scaled or not) and of a category slot ({@code colour__index} is
   * {@code colour}), {@code column=value} for a one-hot slot ({@code colour=red};
   * the slot for missing and unseen values is {@code colour=__unknown}); other slots keep the names of the stages
   * that made them ({@code x1_was_missing}, {@code x1__log}, {@code colour__frequency}, {@code a__x__b_0}, ...).
   */
  static String readable(String slot) {
    int onehot = slot.indexOf("__onehot_");
    if (onehot > 0) {
      return slot.substring(0, onehot) + "=" + slot.substring(onehot + "__onehot_".length());
    }
    String name = slot;
    for (String suffix : List.of("__imputed", "__clipped", "__index")) {
      if (name.endsWith(suffix)) {
        name = name.substring(0, name.length() - suffix.length());
      }
    }
    return name;
  }

  /**
   * A scaler's output vector carries no names (its slots are assembled as {@code <vector>_<i>}): the columns each
   * scaled vector was assembled from, by the scaler's output column.
   */
  private static Map<String, String[]> scaledInputs(PipelineModel model) {
    Map<String, String[]> assembled = new java.util.HashMap<>();
    Map<String, String[]> scaled = new java.util.HashMap<>();
    for (Transformer stage : model.stages()) {
      if (stage instanceof VectorAssembler assembler) {
        assembled.put(assembler.getOutputCol(), assembler.getInputCols());
      } else if (stage.hasParam("inputCol") && stage.hasParam("outputCol") && stage.getClass().getSimpleName()
          .endsWith("ScalerModel")) {
        String in = (String) stage.getOrDefault(stage.getParam("inputCol"));
        if (assembled.containsKey(in)) {
          scaled.put((String) stage.getOrDefault(stage.getParam("outputCol")), assembled.get(in));
        }
      }
    }
    return scaled;
  }

  /** {@code <scaled vector>_<i>} as the column scaled in slot {@code i}; any other name as it is. */
  private static String unscaled(String slot, Map<String, String[]> scaled) {
    for (Map.Entry<String, String[]> vector : scaled.entrySet()) {
      String prefix = vector.getKey() + "_";
      if (slot.startsWith(prefix) && slot.substring(prefix.length()).matches("\\d+")) {
        int index = Integer.parseInt(slot.substring(prefix.length()));
        if (index < vector.getValue().length) {
          return vector.getValue()[index];
        }
      }
    }
    return slot;
  }

  /** What {@link #of} returns for this model. */
  public static Kind kind(PipelineModel model) {
    PredictionModel<?, ?> predictor = predictor(model);
    if (predictor instanceof LogisticRegressionModel || predictor instanceof LinearRegressionModel
        || predictor instanceof LinearSVCModel) {
      return Kind.COEFFICIENT;
    }
    return values(predictor, 0) == null ? Kind.NONE : Kind.IMPORTANCE;
  }

  /** The pipeline's model: its last prediction stage. */
  static PredictionModel<?, ?> predictor(PipelineModel model) {
    Transformer[] stages = model.stages();
    for (int i = stages.length - 1; i >= 0; i--) {
      if (stages[i] instanceof PredictionModel<?, ?> predictor) {
        return predictor;
      }
      if (stages[i] instanceof MulticlassXGBoostModel xgboost) {
        return xgboost.model();
      }
    }
    throw new IllegalArgumentException("the pipeline has no model stage");
  }

  private static double[] values(PredictionModel<?, ?> model, int features) {
    if (model instanceof LogisticRegressionModel m) {
      return m.numClasses() > 2 || m.coefficientMatrix().numRows() > 1 ? largestPerFeature(m.coefficientMatrix())
          : m.coefficients().toArray();
    }
    if (model instanceof XGBoostModel<?> m) {
      return xgboostGain(m, Math.max(features, model.numFeatures()));
    }
    if (model instanceof LightGBMModelMethods m) {
      return scaledToOne(m.getFeatureImportances("gain"));
    }
    // Tree models (decision tree, random forest, gbt) have featureImportances, linear ones coefficients; MLlib gives
    // them no common interface.
    for (String method : List.of("featureImportances", "coefficients")) {
      try {
        return ((Vector) model.getClass().getMethod(method).invoke(model)).toArray();
      } catch (NoSuchMethodException e) {
        continue;
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("could not read " + method + " of " + model, e);
      }
    }
    return null;
  }

  private static double[] largestPerFeature(Matrix coefficients) {
    double[] largest = new double[coefficients.numCols()];
    for (int j = 0; j < coefficients.numCols(); j++) {
      for (int i = 0; i < coefficients.numRows(); i++) {
        largest[j] = Math.max(largest[j], Math.abs(coefficients.apply(i, j)));
      }
    }
    return largest;
  }

  /** {@code values} divided by their sum (left as they are when it is 0: a model of one leaf). */
  private static double[] scaledToOne(double[] values) {
    double total = java.util.Arrays.stream(values).sum();
    return total > 0 ? java.util.Arrays.stream(values).map(v -> v / total).toArray() : values;
  }

  private static final java.util.regex.Pattern XGBOOST_FEATURE = java.util.regex.Pattern.compile("f(\\d+)");

  /** XGBoost's total gain per feature ({@code f0}, {@code f1}, ... by vector index), scaled to sum to 1. */
  private static double[] xgboostGain(XGBoostModel<?> model, int features) {
    Map<String, Object> gain;
    try {
      gain = JavaConverters.mapAsJavaMap(model.nativeBooster().getScore("", "total_gain"));
    } catch (Exception e) {  // XGBoostError, thrown invisibly through Scala
      throw new IllegalStateException("XGBoost could not report its feature importances: " + e.getMessage(), e);
    }
    double[] values = new double[Math.max(features, 0)];
    double total = 0;
    for (Map.Entry<String, Object> entry : gain.entrySet()) {
      // f4, or f4:{0,1,7} for a split on a set of categories: XGBoost4J keys its scores by the dump's split text,
      // so a category slot's gain comes in one entry per distinct set, summed here.
      java.util.regex.Matcher slot = XGBOOST_FEATURE.matcher(entry.getKey());
      if (!slot.lookingAt()) {
        throw new IllegalStateException("XGBoost reported the importance of an unknown feature '" + entry.getKey()
            + "'");
      }
      int index = Integer.parseInt(slot.group(1));
      if (index >= values.length) {
        values = java.util.Arrays.copyOf(values, index + 1);
      }
      double value = ((Number) entry.getValue()).doubleValue();
      values[index] += value;
      total += value;
    }
    for (int i = 0; total > 0 && i < values.length; i++) {
      values[i] /= total;
    }
    return values;
  }
}

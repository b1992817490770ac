package dev.kiln.score;

import dev.kiln.errors.InvalidRecordException;
import dev.kiln.errors.InvalidRecordException.Problem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDFModel;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.UnivariateFeatureSelectorModel;
import org.apache.spark.ml.feature.VarianceThresholdSelectorModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;

/** Row evaluators for the text stages (tokens, hashed term frequencies, IDF) and the feature selectors. */
final class TextAndSelectionStages {

  private TextAndSelectionStages() {}

  static RowStage regexTokenizer(RegexTokenizer stage, Layout layout) {
    Pattern pattern = Pattern.compile(stage.getPattern());
    boolean gaps = stage.getGaps();
    boolean lowercase = stage.getToLowercase();
    int minLength = stage.getMinTokenLength();
    String input = stage.getInputCol();
    int in = layout.slot(input);
    int out = layout.define(stage.getOutputCol(), new ArrayType(DataTypes.StringType, true));
    return frame -> {
      String text = (String) frame[in];
      if (text == null) {
        throw new InvalidRecordException(input, Problem.INVALID_VALUE, "'" + input + "' is null, which the "
            + "model's RegexTokenizer cannot read");
      }
      String str = lowercase ? text.toLowerCase() : text;  // the default locale, as Spark's tokenizer
      List<String> tokens = new ArrayList<>();
      if (gaps) {
        tokens.addAll(Arrays.asList(pattern.split(str)));  // Scala's Regex.split is Pattern.split
      } else {
        Matcher matcher = pattern.matcher(str);
        while (matcher.find()) {
          tokens.add(matcher.group());
        }
      }
      tokens.removeIf(token -> token.length() < minLength);
      frame[out] = tokens;
    };
  }

  static RowStage hashingTF(HashingTF stage, Layout layout) {
    int size = stage.getNumFeatures();
    boolean binary = stage.getBinary();
    int in = layout.slot(stage.getInputCol());
    int out = layout.defineVector(stage.getOutputCol(), size);
    return frame -> {
      @SuppressWarnings("unchecked")
      List<String> terms = (List<String>) frame[in];
      TreeMap<Integer, Double> counts = new TreeMap<>();
      for (String term : terms) {
        counts.merge(stage.indexOf(term), 1.0, binary ? (a, b) -> 1.0 : Double::sum);
      }
      int[] indices = counts.keySet().stream().mapToInt(Integer::intValue).toArray();
      double[] values = counts.values().stream().mapToDouble(Double::doubleValue).toArray();
      frame[out] = Vectors.sparse(size, indices, values);
    };
  }

  static RowStage idf(IDFModel model, Layout layout) {
    double[] idf = model.idf().toArray();
    int in = layout.slot(model.getInputCol());
    int out = layout.defineVector(model.getOutputCol(), idf.length);
    return frame -> {
      Vector vector = (Vector) frame[in];
      if (vector instanceof SparseVector sparse) {
        double[] values = new double[sparse.indices().length];
        for (int k = 0; k < values.length; k++) {
          values[k] = sparse.values()[k] * idf[sparse.indices()[k]];
        }
        frame[out] = Vectors.sparse(sparse.size(), sparse.indices(), values);
      } else {
        double[] values = ((DenseVector) vector).values();
        double[] result = new double[values.length];
        for (int j = 0; j < values.length; j++) {
          result[j] = values[j] * idf[j];
        }
        frame[out] = Vectors.dense(result);
      }
    };
  }

  static RowStage univariateSelector(UnivariateFeatureSelectorModel model, Layout layout) {
    int[] selected = model.selectedFeatures().clone();
    Arrays.sort(selected);  // as its transform does
    return selector(selected, model.getFeaturesCol(), model.getOutputCol(), layout);
  }

  static RowStage varianceSelector(VarianceThresholdSelectorModel model, Layout layout) {
    return selector(model.selectedFeatures(), model.getFeaturesCol(), model.getOutputCol(), layout);
  }

  /** SelectorModel.transform: dense picks, sparse merges with the (sorted) selection. */
  private static RowStage selector(int[] selected, String input, String output, Layout layout) {
    int in = layout.slot(input);
    int out = layout.defineVector(output, selected.length);
    return frame -> {
      Vector vector = (Vector) frame[in];
      if (vector instanceof DenseVector dense) {
        double[] values = new double[selected.length];
        for (int k = 0; k < selected.length; k++) {
          values[k] = dense.values()[selected[k]];
        }
        frame[out] = Vectors.dense(values);
        return;
      }
      SparseVector sparse = (SparseVector) vector;
      int[] indices = sparse.indices();
      int[] newIndices = new int[Math.min(indices.length, selected.length)];
      double[] newValues = new double[newIndices.length];
      int count = 0;
      int i = 0;
      int j = 0;
      while (i < indices.length && j < selected.length) {
        if (indices[i] == selected[j]) {
          newIndices[count] = j;
          newValues[count++] = sparse.values()[i];
          i++;
          j++;
        } else if (indices[i] > selected[j]) {
          j++;
        } else {
          i++;
        }
      }
      frame[out] = Vectors.sparse(selected.length, Arrays.copyOf(newIndices, count), Arrays.copyOf(newValues, count));
    };
  }
}

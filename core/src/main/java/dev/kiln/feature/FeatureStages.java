package dev.kiln.feature;

import dev.kiln.clean.GroupedImputer;
import dev.kiln.clean.ValueCanonicalizer;
import dev.kiln.config.PipelineConfig;
import dev.kiln.clean.OutlierBounds;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.OutlierConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.Bucketizer;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.Interaction;
import org.apache.spark.ml.feature.MinMaxScaler;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.QuantileDiscretizer;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.RobustScaler;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.UnivariateFeatureSelector;
import org.apache.spark.ml.feature.VarianceThresholdSelector;
import org.apache.spark.ml.feature.VectorAssembler;

/**
 * Compiles the feature section of a config into MLlib stages. Everything fitted here (imputation values, category
 * indexes, scaling statistics, quantile bins, frequencies, IDF weights, selected features) is learnt on the training
 * split by the Pipeline and saved inside the model, so serving applies it exactly. See docs/features.md.
 */
public final class FeatureStages {

  /** The assembled feature vector every model reads. */
  public static final String FEATURES = "features";
  /** The continuous features assembled for scaling, and scaled. */
  static final String CONTINUOUS = "continuous__assembled";
  static final String SCALED = "continuous__scaled";
  /** The assembled vector before feature selection. */
  static final String UNSELECTED = "features__unselected";

  private FeatureStages() {}

  /** The canonicaliser of {@code columns} as configured; empty when there are none. */
  public static java.util.Optional<ValueCanonicalizer> canonicalizer(PipelineConfig.CanonicalizeConfig config,
      List<String> columns) {
    if (columns.isEmpty()) {
      return java.util.Optional.empty();
    }
    java.util.Map<String, java.util.Map<String, String>> maps = new java.util.LinkedHashMap<>();
    config.values().forEach((column, byCanonical) -> {
      if (columns.contains(column)) {
        java.util.Map<String, String> variants = new java.util.LinkedHashMap<>();
        byCanonical.forEach((canonical, spellings) -> spellings.forEach(v -> variants.put(v, canonical)));
        maps.put(column, variants);
      }
    });
    return java.util.Optional.of(new ValueCanonicalizer().setInputCols(columns.toArray(String[]::new))
        .setTrim(config.trim()).setCollapseWhitespace(config.collapseWhitespace())
        .setUnicodeNormalization(config.normalization()).setCaseMode(config.caseMode()).setValueMaps(maps));
  }

  /** The outlier bounds of the numeric features as configured, for filtering training rows ({@code action = drop}). */
  public static OutlierBounds outlierBounds(FeatureConfig features) {
    OutlierConfig outliers = features.outliers();
    return new OutlierBounds().setInputCols(features.numeric().toArray(String[]::new)).setMethod(outliers.method())
        .setAction("flag").setIqrMultiplier(outliers.iqrK()).setStddevMultiplier(outliers.zscoreK())
        .setLowerPercentile(outliers.lower()).setUpperPercentile(outliers.upper());
  }

  public static List<PipelineStage> compile(FeatureConfig features) {
    return compile(features, PipelineConfig.CanonicalizeConfig.NONE);
  }

  /** As {@link #compile(FeatureConfig, PipelineConfig.CanonicalizeConfig, String)} for a binary classifier. */
  public static List<PipelineStage> compile(FeatureConfig features, PipelineConfig.CanonicalizeConfig canonicalize) {
    return compile(features, canonicalize, "binary");
  }

  /**
   * The stages, led by a {@link ValueCanonicalizer} for the canonicalised columns that are features: the saved model
   * then canonicalises what serving sends exactly as the clean step did (columns used only for dedup stay out, since
   * serving never sees them). The last stage writes {@link #FEATURES}.
   *
   * <p>In order (each only when configured): derived columns (one {@link SQLTransformer}), {@link DateParts},
   * {@link LogTransform}, {@link OutlierBounds}, imputation (Spark's {@link Imputer}, or Kiln's
   * {@link GroupedImputer} for groups and indicators) of every numeric input, scaling of the continuous features
   * (numeric, derived, date parts) assembled into one vector, {@link Bucketizer} and {@link QuantileDiscretizer} of
   * the imputed values, the categorical imputer, {@link StringIndexer}, one {@link OneHotEncoder} for category and
   * bucket indexes (category indexes go to the assembler as they are with {@code categorical-encoding = native}),
   * {@link FrequencyEncoder}, text (nulls as empty text, {@link RegexTokenizer}, {@link HashingTF},
   * {@link IDF}), {@link Interaction}s, the {@link VectorAssembler}, and feature selection.
   *
   * @param task {@code binary}, {@code multiclass} or {@code regression} ({@code auto} counts as a classification):
   *     the label type of univariate selection
   * @throws IllegalArgumentException when a feature would read the label
   */
  public static List<PipelineStage> compile(FeatureConfig features, PipelineConfig.CanonicalizeConfig canonicalize,
      String task) {
    return compile(features, canonicalize, task, features.label());
  }

  /**
   * As {@link #compile(FeatureConfig, PipelineConfig.CanonicalizeConfig, String)}, with univariate selection reading
   * {@code trainedLabel}: the label as the estimator trains on it (a text label's index column, made by a stage
   * ahead of these).
   */
  public static List<PipelineStage> compile(FeatureConfig features, PipelineConfig.CanonicalizeConfig canonicalize,
      String task, String trainedLabel) {
    List<String> inputs = features.allColumns();
    if (inputs.subList(0, inputs.size() - 1).contains(features.label())) {
      throw new IllegalArgumentException("a feature reads the label '" + features.label() + "', which serving does "
          + "not have");
    }
    List<PipelineStage> stages = new ArrayList<>();
    canonicalizer(canonicalize, canonicalize.columns().stream().filter(inputs::contains).toList())
        .ifPresent(stages::add);
    if (!features.derived().isEmpty()) {
      stages.add(new SQLTransformer().setStatement(derivedStatement(features.derived())));
    }
    // Continuous features: the numeric, derived and date-part columns; each is imputed, and scaled if asked.
    List<String> continuous = new ArrayList<>(features.numeric());
    continuous.addAll(features.derived().keySet());
    features.dates().forEach((column, date) -> {
      DateParts parts = new DateParts().setInputCol(column).setParts(date.parts().toArray(String[]::new))
          .setDaysSince(date.daysSince().map(Object::toString).orElse("")).setTimeZone(date.timeZone());
      stages.add(parts);
      continuous.addAll(List.of(parts.getOutputCols()));
    });
    // Numeric columns read only by bins and interactions are imputed too, but enter the model only through them.
    List<String> numericInputs = new ArrayList<>(continuous);
    Stream.of(features.bucketize().keySet().stream(), features.quantileBins().keySet().stream(),
            features.interactions().stream().flatMap(List::stream).filter(c -> !features.categorical().contains(c)))
        .flatMap(s -> s).filter(c -> !numericInputs.contains(c)).distinct().forEach(numericInputs::add);
    List<String> assembled = new ArrayList<>();
    Map<String, String> imputed = imputeNumeric(features, numericInputs, stages, assembled);
    List<String> values = continuous.stream().map(imputed::get).toList();
    if ("none".equals(features.scale()) || values.isEmpty()) {
      assembled.addAll(values);
    } else {
      stages.add(new VectorAssembler().setInputCols(values.toArray(String[]::new)).setOutputCol(CONTINUOUS)
          .setHandleInvalid("keep"));
      stages.add(scaler(features.scale()));
      assembled.add(SCALED);
    }
    List<String> bucketIndexes = bucketize(features, imputed, stages);
    List<String> encoded = new ArrayList<>();
    List<String> indexes = new ArrayList<>();
    if (!features.categorical().isEmpty()) {
      String[] in = features.categorical().toArray(String[]::new);
      if (!"keep".equals(features.imputeCategorical())) {
        // A filled category is a real category to the indexer; "keep" instead leaves missing to the indexer's slot.
        String[] filled = features.categorical().stream().map(c -> c + "__filled").toArray(String[]::new);
        GroupedImputer imputer = new GroupedImputer().setInputCols(in).setOutputCols(filled)
            .setGroupByCols(features.imputeBy().toArray(String[]::new));
        switch (features.imputeCategorical()) {
          case "mode" -> imputer.setCategoricalStrategy("mode");
          case "constant" -> imputer.setCategoricalStrategy("constant")
              .setCategoricalConstant(features.categoricalFill());
          default -> imputer.setCategoricalStrategy("constant").setCategoricalConstant("__missing__");
        }
        stages.add(imputer);
        in = filled;
      }
      String[] indexed = features.categorical().stream().map(c -> c + "__index").toArray(String[]::new);
      // "keep": nulls and values unseen in training get their own slot instead of failing at serving time.
      stages.add(new StringIndexer().setInputCols(in).setOutputCols(indexed).setHandleInvalid("keep")
          .setStringOrderType("frequencyDesc"));
      if (features.nativeCategorical()) {
        // The index itself, whose nominal metadata the assembler carries: tree models split on sets of its values.
        assembled.addAll(List.of(indexed));
      } else {
        features.categorical().forEach(c -> encoded.add(c + "__onehot"));
        indexes.addAll(List.of(indexed));
      }
    }
    bucketIndexes.forEach(b -> encoded.add(b + "__onehot"));
    indexes.addAll(bucketIndexes);
    if (!indexes.isEmpty()) {
      stages.add(new OneHotEncoder().setInputCols(indexes.toArray(String[]::new))
          .setOutputCols(encoded.toArray(String[]::new)).setHandleInvalid("keep"));
      assembled.addAll(encoded);
    }
    if (!features.frequencyEncoded().isEmpty()) {
      String[] out = features.frequencyEncoded().stream().map(c -> c + "__frequency").toArray(String[]::new);
      stages.add(new FrequencyEncoder().setInputCols(features.frequencyEncoded().toArray(String[]::new))
          .setOutputCols(out));
      assembled.addAll(List.of(out));
    }
    text(features, stages, assembled);
    for (List<String> group : features.interactions()) {
      String[] members = group.stream()
          .map(c -> features.categorical().contains(c) ? c + "__onehot" : imputed.get(c)).toArray(String[]::new);
      String out = String.join("__x__", group);
      stages.add(new Interaction().setInputCols(members).setOutputCol(out));
      assembled.add(out);
    }
    boolean selecting = !"none".equals(features.selection().method());
    stages.add(new VectorAssembler().setInputCols(assembled.toArray(String[]::new))
        .setOutputCol(selecting ? UNSELECTED : FEATURES).setHandleInvalid("keep"));
    if (selecting) {
      stages.add(selector(features.selection(), task, trainedLabel));
    }
    return stages;
  }

  /**
   * Log, outlier treatment (of the {@code numeric} features) and imputation of {@code columns}; adds the outlier flags
   * and missing indicators to {@code assembled}. Returns each column's imputed column.
   */
  private static Map<String, String> imputeNumeric(FeatureConfig features, List<String> columns,
      List<PipelineStage> stages, List<String> assembled) {
    Map<String, String> imputed = new LinkedHashMap<>();
    if (columns.isEmpty()) {
      return imputed;
    }
    Map<String, String> current = new LinkedHashMap<>();
    columns.forEach(c -> current.put(c, c));
    if (!features.log().isEmpty()) {
      String[] logged = features.log().stream().map(c -> c + "__log").toArray(String[]::new);
      stages.add(new LogTransform().setInputCols(features.log().toArray(String[]::new)).setOutputCols(logged));
      features.log().forEach(c -> current.put(c, c + "__log"));
    }
    OutlierConfig outliers = features.outliers();
    // "drop" filters training rows before the fit (TrainingLoop); the saved model scores every row as it comes.
    if (!features.numeric().isEmpty() && !"none".equals(outliers.method()) && !"drop".equals(outliers.action())) {
      String[] bounded = features.numeric().stream().map(current::get).toArray(String[]::new);
      OutlierBounds bounds = outlierBounds(features).setInputCols(bounded).setAction(outliers.action());
      if ("clip".equals(outliers.action())) {
        bounds.setOutputCols(features.numeric().stream().map(c -> c + "__clipped").toArray(String[]::new));
        features.numeric().forEach(c -> current.put(c, c + "__clipped"));
      } else {
        List.of(bounded).forEach(c -> assembled.add(c + "_outlier"));
      }
      stages.add(bounds);
    }
    String[] in = current.values().toArray(String[]::new);
    String[] out = columns.stream().map(c -> c + "__imputed").toArray(String[]::new);
    if (features.imputeBy().isEmpty() && !features.missingIndicators()) {
      stages.add(new Imputer().setInputCols(in).setOutputCols(out).setStrategy(features.impute()));
    } else {
      // Kiln's imputer: statistics per group, and indicators, which Spark's Imputer has neither of.
      GroupedImputer imputer = new GroupedImputer().setInputCols(in).setOutputCols(out)
          .setGroupByCols(features.imputeBy().toArray(String[]::new))
          .setAddIndicators(features.missingIndicators());
      if (!"mode".equals(features.impute())) {
        imputer.setNumericStrategy(features.impute());
      }
      stages.add(imputer);
      if (features.missingIndicators()) {
        List.of(in).forEach(c -> assembled.add(c + "_was_missing"));
      }
    }
    columns.forEach(c -> imputed.put(c, c + "__imputed"));
    return imputed;
  }

  /** The {@code derived} columns in one statement, each expression on lines of its own (a {@code --} comment ends). */
  static String derivedStatement(Map<String, PipelineConfig.DerivedColumn> derived) {
    StringBuilder statement = new StringBuilder("SELECT *");
    derived.forEach((name, column) -> statement.append(",\n  CAST((\n").append(column.expression())
        .append("\n  ) AS DOUBLE) AS `").append(name.replace("`", "``")).append('`'));
    return statement.append("\nFROM __THIS__").toString();
  }

  private static PipelineStage scaler(String scale) {
    return switch (scale) {
      case "standard" -> new StandardScaler().setInputCol(CONTINUOUS).setOutputCol(SCALED).setWithMean(true)
          .setWithStd(true);
      case "min-max" -> new MinMaxScaler().setInputCol(CONTINUOUS).setOutputCol(SCALED);
      case "robust" -> new RobustScaler().setInputCol(CONTINUOUS).setOutputCol(SCALED).setWithCentering(true)
          .setWithScaling(true);
      default -> throw new IllegalArgumentException("unknown scale '" + scale + "'");
    };
  }

  /**
   * The bucket index columns of {@code bucketize} (split points widened to -inf and inf, so that no value fails) and
   * {@code quantileBins}, of the imputed values.
   */
  private static List<String> bucketize(FeatureConfig features, Map<String, String> imputed,
      List<PipelineStage> stages) {
    List<String> indexes = new ArrayList<>();
    if (!features.bucketize().isEmpty()) {
      List<String> columns = List.copyOf(features.bucketize().keySet());
      double[][] splits = columns.stream().map(c -> widened(features.bucketize().get(c))).toArray(double[][]::new);
      String[] out = columns.stream().map(c -> c + "__bucket").toArray(String[]::new);
      stages.add(new Bucketizer().setInputCols(columns.stream().map(imputed::get).toArray(String[]::new))
          .setOutputCols(out).setSplitsArray(splits).setHandleInvalid("keep"));
      indexes.addAll(List.of(out));
    }
    if (!features.quantileBins().isEmpty()) {
      List<String> columns = List.copyOf(features.quantileBins().keySet());
      String[] out = columns.stream().map(c -> c + "__quantile").toArray(String[]::new);
      stages.add(new QuantileDiscretizer().setInputCols(columns.stream().map(imputed::get).toArray(String[]::new))
          .setOutputCols(out).setNumBucketsArray(columns.stream().mapToInt(c -> features.quantileBins().get(c))
              .toArray()).setHandleInvalid("keep"));
      indexes.addAll(List.of(out));
    }
    return indexes;
  }

  /** {@code splits} with -inf first and inf last, added where they are not there. */
  static double[] widened(List<Double> splits) {
    List<Double> all = new ArrayList<>(splits);
    if (all.get(0) != Double.NEGATIVE_INFINITY) {
      all.add(0, Double.NEGATIVE_INFINITY);
    }
    if (all.get(all.size() - 1) != Double.POSITIVE_INFINITY) {
      all.add(Double.POSITIVE_INFINITY);
    }
    return all.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Each text column: null as empty text, then lower-cased words, hashed term counts, weighted by IDF. */
  private static void text(FeatureConfig features, List<PipelineStage> stages, List<String> assembled) {
    if (features.text().isEmpty()) {
      return;
    }
    List<String> columns = List.copyOf(features.text().keySet());
    // RegexTokenizer fails on null: a missing text is an empty one, with no terms.
    stages.add(new GroupedImputer().setInputCols(columns.toArray(String[]::new))
        .setOutputCols(columns.stream().map(c -> c + "__text").toArray(String[]::new))
        .setCategoricalStrategy("constant").setCategoricalConstant(""));
    features.text().forEach((column, text) -> {
      stages.add(new RegexTokenizer().setInputCol(column + "__text").setOutputCol(column + "__tokens")
          .setPattern("\\W+").setGaps(true).setToLowercase(true).setMinTokenLength(1));
      stages.add(new HashingTF().setInputCol(column + "__tokens").setOutputCol(column + "__tf")
          .setNumFeatures(text.numFeatures()));
      stages.add(new IDF().setInputCol(column + "__tf").setOutputCol(column + "__tfidf")
          .setMinDocFreq(text.minDocFreq()));
      assembled.add(column + "__tfidf");
    });
  }

  private static PipelineStage selector(PipelineConfig.SelectionConfig selection, String task, String label) {
    if ("variance".equals(selection.method())) {
      return new VarianceThresholdSelector().setFeaturesCol(UNSELECTED).setOutputCol(FEATURES)
          .setVarianceThreshold(selection.threshold());
    }
    String mode = switch (selection.mode()) {
      case "num-top-features" -> "numTopFeatures";
      default -> selection.mode();
    };
    return new UnivariateFeatureSelector().setFeaturesCol(UNSELECTED).setOutputCol(FEATURES)
        .setLabelCol(label).setFeatureType("continuous")
        .setLabelType("regression".equals(task) ? "continuous" : "categorical")
        .setSelectionMode(mode).setSelectionThreshold(selection.threshold());
  }
}

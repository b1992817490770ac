package dev.kiln.feature;

import dev.kiln.clean.GroupedImputer;
import dev.kiln.clean.ValueCanonicalizer;
import dev.kiln.config.PipelineConfig;
import dev.kiln.clean.OutlierBounds;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.OutlierConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;

/**
 * Compiles the feature section of a config into MLlib stages. Everything fitted here (imputation values, category
 * indexes) is learnt on the training split by the Pipeline and saved inside the model, so serving applies it exactly.
 */
public final class FeatureStages {

  /** The assembled feature vector every model reads. */
  public static final String FEATURES = "features";

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

  /**
   * The stages, led by a {@link ValueCanonicalizer} for the canonicalised columns that are features: the saved model
   * then canonicalises what serving sends exactly as the clean step did (columns used only for dedup stay out, since
   * serving never sees them).
   */
  public static List<PipelineStage> compile(FeatureConfig features, PipelineConfig.CanonicalizeConfig canonicalize) {
    List<PipelineStage> stages = new ArrayList<>();
    List<String> inputs = features.allColumns();
    canonicalizer(canonicalize, canonicalize.columns().stream().filter(inputs::contains).toList())
        .ifPresent(stages::add);
    List<String> assembled = new ArrayList<>();
    if (!features.numeric().isEmpty()) {
      String[] in = features.numeric().toArray(String[]::new);
      OutlierConfig outliers = features.outliers();
      // "drop" filters training rows before the fit (TrainingLoop); the saved model scores every row as it comes.
      if (!"none".equals(outliers.method()) && !"drop".equals(outliers.action())) {
        String[] clipped = features.numeric().stream().map(c -> c + "__clipped").toArray(String[]::new);
        OutlierBounds bounds = new OutlierBounds().setInputCols(in).setMethod(outliers.method())
            .setAction(outliers.action()).setIqrMultiplier(outliers.iqrK()).setStddevMultiplier(outliers.zscoreK())
            .setLowerPercentile(outliers.lower()).setUpperPercentile(outliers.upper());
        if ("clip".equals(outliers.action())) {
          bounds.setOutputCols(clipped);
          in = clipped;
        } else {
          features.numeric().forEach(c -> assembled.add(c + "_outlier"));
        }
        stages.add(bounds);
      }
      String[] out = features.numeric().stream().map(c -> c + "__imputed").toArray(String[]::new);
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
      assembled.addAll(List.of(out));
    }
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
      String[] encoded = features.categorical().stream().map(c -> c + "__onehot").toArray(String[]::new);
      // "keep": nulls and values unseen in training get their own slot instead of failing at serving time.
      stages.add(new StringIndexer().setInputCols(in).setOutputCols(indexed).setHandleInvalid("keep")
          .setStringOrderType("frequencyDesc"));
      stages.add(new OneHotEncoder().setInputCols(indexed).setOutputCols(encoded).setHandleInvalid("keep"));
      assembled.addAll(List.of(encoded));
    }
    stages.add(new VectorAssembler().setInputCols(assembled.toArray(String[]::new)).setOutputCol(FEATURES)
        .setHandleInvalid("keep"));
    return stages;
  }
}

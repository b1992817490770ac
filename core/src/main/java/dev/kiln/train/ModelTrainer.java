package dev.kiln.train;

import dev.kiln.config.PipelineConfig;
import dev.kiln.feature.FeatureStages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Fits the whole pipeline — feature stages and model — on the training rows only. */
public final class ModelTrainer {

  private final PipelineConfig.FeatureConfig features;
  private final PipelineConfig.ModelConfig model;
  private final PipelineConfig.CanonicalizeConfig canonicalize;

  public ModelTrainer(PipelineConfig.FeatureConfig features, PipelineConfig.ModelConfig model) {
    this(features, model, PipelineConfig.CanonicalizeConfig.NONE);
  }

  /** With {@code canonicalize}: the model canonicalises its categorical inputs as the clean step did. */
  public ModelTrainer(PipelineConfig.FeatureConfig features, PipelineConfig.ModelConfig model,
      PipelineConfig.CanonicalizeConfig canonicalize) {
    this.features = features;
    this.model = model;
    this.canonicalize = canonicalize;
  }

  public Pipeline pipeline() {
    List<PipelineStage> stages = new ArrayList<>(FeatureStages.compile(features, canonicalize, model.task()));
    stages.add(estimator());
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  public PipelineModel fit(Dataset<Row> train) {
    return pipeline().fit(train);
  }

  /** The estimator's explicitly set and default parameters, by Spark name: what the registry records. */
  public Map<String, String> effectiveParams() {
    Predictor<?, ?, ?> estimator = estimator();
    Map<String, String> params = new LinkedHashMap<>();
    params.put("algorithm", model.algorithm());
    for (ParamPair<?> pair : estimator.extractParamMap().toList()) {
      params.put(pair.param().name(), String.valueOf(pair.value()));
    }
    return params;
  }

  private Predictor<?, ?, ?> estimator() {
    return Algorithm.named(model.algorithm()).estimator(features.label(), model.params());
  }
}

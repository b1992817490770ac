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
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/**
 * Fits the whole pipeline — feature stages and model — on the training rows only.
 *
 * <p>A text label (multiclass) is indexed by a {@link StringIndexerModel} fitted on the training rows and leading
 * the saved pipeline (classes in alphabetical order, so the class numbers do not depend on the sample's counts), and
 * an {@link IndexToString} at the end adds {@link #PREDICTED_LABEL}: the model takes and gives class names. At serving
 * time the label column is absent and Spark's indexer skips it.
 */
public final class ModelTrainer {

  /** The class name a multiclass model with a text label predicts. */
  public static final String PREDICTED_LABEL = "predicted_label";

  private final PipelineConfig.FeatureConfig features;
  private final PipelineConfig.ModelConfig model;
  private final PipelineConfig.CanonicalizeConfig canonicalize;
  private final Task task;

  public ModelTrainer(PipelineConfig.FeatureConfig features, PipelineConfig.ModelConfig model) {
    this(features, model, PipelineConfig.CanonicalizeConfig.NONE, Task.BINARY);
  }

  /**
   * With {@code canonicalize}: the model canonicalises its categorical inputs as the clean step did; {@code task}:
   * what the estimator predicts.
   */
  public ModelTrainer(PipelineConfig.FeatureConfig features, PipelineConfig.ModelConfig model,
      PipelineConfig.CanonicalizeConfig canonicalize, Task task) {
    this.features = features;
    this.model = model;
    this.canonicalize = canonicalize;
    this.task = task;
  }

  /** Whether a label of this type is indexed inside the pipeline (text labels). */
  public static boolean indexesLabel(DataType labelType) {
    return labelType instanceof StringType;
  }

  /** The column the estimator trains on and metrics compare with: the label, or its index for a text label. */
  public static String trainedLabel(String label, StructType schema) {
    return indexesLabel(schema.apply(label).dataType()) ? label + "__index" : label;
  }

  /** The stages without a fitted label indexer: what a numeric label trains with. */
  public Pipeline pipeline() {
    return pipeline(features.label(), List.of());
  }

  private Pipeline pipeline(String trainedLabel, List<PipelineStage> around) {
    List<PipelineStage> stages = new ArrayList<>();
    if (!around.isEmpty()) {
      stages.add(around.get(0));
    }
    // Univariate selection tests features against the label the estimator trains on, under the task's label type.
    stages.addAll(FeatureStages.compile(features, canonicalize, task.configName(), trainedLabel));
    stages.add(estimator(trainedLabel));
    if (around.size() > 1) {
      stages.add(around.get(1));
    }
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  public PipelineModel fit(Dataset<Row> train) {
    String label = features.label();
    if (!indexesLabel(train.schema().apply(label).dataType())) {
      return pipeline().fit(train);
    }
    String indexed = trainedLabel(label, train.schema());
    // Fitted first, outside the pipeline: IndexToString needs the class names before the pipeline is built.
    StringIndexerModel labels = new StringIndexer().setInputCol(label).setOutputCol(indexed)
        .setStringOrderType("alphabetAsc").setHandleInvalid("keep").fit(train);
    IndexToString names = new IndexToString().setInputCol("prediction").setOutputCol(PREDICTED_LABEL)
        .setLabels(labels.labelsArray()[0]);
    return pipeline(indexed, List.of(labels, names)).fit(train);
  }

  /** The estimator's explicitly set and default parameters, by Spark name: what the registry records. */
  public Map<String, String> effectiveParams() {
    Predictor<?, ?, ?> estimator = estimator(features.label());
    Map<String, String> params = new LinkedHashMap<>();
    params.put("algorithm", model.algorithm());
    for (ParamPair<?> pair : estimator.extractParamMap().toList()) {
      params.put(pair.param().name(), String.valueOf(pair.value()));
    }
    return params;
  }

  public Task task() {
    return task;
  }

  private Predictor<?, ?, ?> estimator(String trainedLabel) {
    return Algorithm.named(model.algorithm()).estimator(trainedLabel, model.params());
  }
}

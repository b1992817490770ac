package dev.kiln.train;

import com.microsoft.azure.synapse.ml.lightgbm.LightGBMModelMethods;
import dev.kiln.config.PipelineConfig;
import dev.kiln.errors.ConfigProblem;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.feature.FeatureStages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.PredictionModel;
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
 * Fits the whole pipeline — feature stages and model — on the training rows only, with the estimator the algorithm
 * has for the task, completed at fit time by {@link ModelEstimator} (class weights, MLP layers, early stopping,
 * XGBoost's workers), and a parameter search ({@link Tuning}) first when configured.
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
  private List<String> splitBy = List.of();
  private PipelineModel fitted;
  private Tuning.Result tuned;

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

  /**
   * The rows' identifying columns for the seeded hashes of early stopping and cross-validation folds: the evaluation
   * split's {@code split-by} columns (every record of one key lands on one side), or, when empty, every input column.
   */
  public ModelTrainer groupedBy(List<String> splitBy) {
    this.splitBy = List.copyOf(splitBy);
    return this;
  }

  /** The stages without a fitted label indexer: what a numeric label trains with. */
  public Pipeline pipeline() {
    return pipeline(modelStage(features.label()), List.of());
  }

  private Pipeline pipeline(ModelEstimator model, List<PipelineStage> around) {
    List<PipelineStage> stages = new ArrayList<>();
    if (!around.isEmpty()) {
      stages.add(around.get(0));
    }
    // Univariate selection tests features against the label the estimator trains on, under the task's label type.
    stages.addAll(FeatureStages.compile(features, canonicalize, task.configName(),
        model.estimator().getLabelCol()));
    if (algorithm() == Algorithm.XGBOOST) {
      stages.add(new DenseVectors().setInputCol(FeatureStages.FEATURES));
    }
    stages.add(model);
    if (around.size() > 1) {
      stages.add(around.get(1));
    }
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  /**
   * Fits the pipeline on {@code train} (the training split only), searching parameters first when
   * {@code model.tuning} asks for it.
   *
   * @throws InvalidInputException when the algorithm cannot learn the task
   * @throws InvalidConfigException when a model setting does not fit the task the label decided
   */
  public PipelineModel fit(Dataset<Row> train) {
    algorithm().requireSupports(task);
    List<ConfigProblem> problems = new ArrayList<>(ModelChecks.problems(model, Optional.of(task)));
    ModelChecks.categoricalEncoding(features, algorithm()).ifPresent(problems::add);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems.stream()
          .map(p -> new ConfigProblem("task " + task.configName(), p.key(), p.message())).toList());
    }
    String label = features.label();
    String trained = label;
    List<PipelineStage> around = List.of();
    if (indexesLabel(train.schema().apply(label).dataType())) {
      trained = trainedLabel(label, train.schema());
      // Fitted first, outside the pipeline: IndexToString needs the class names before the pipeline is built.
      StringIndexerModel labels = new StringIndexer().setInputCol(label).setOutputCol(trained)
          .setStringOrderType("alphabetAsc").setHandleInvalid("keep").fit(train);
      IndexToString names = new IndexToString().setInputCol("prediction").setOutputCol(PREDICTED_LABEL)
          .setLabels(labels.labelsArray()[0]);
      around = List.of(labels, names);
    }
    ModelEstimator stage = modelStage(trained);
    Pipeline pipeline = pipeline(stage, around);
    if (model.tuning().enabled()) {
      tuned = Tuning.fit(pipeline, stage.estimator(), train, model.tuning(), task, trained, rowColumns());
      fitted = tuned.model();
    } else {
      tuned = null;
      fitted = pipeline.fit(train);
    }
    return fitted;
  }

  /**
   * What the registry records: the algorithm and the estimator's explicitly set and default parameters by Spark
   * name — after {@link #fit}, those of the fitted model (tuned values and what Kiln completed included), with the
   * tuning search's candidates under {@code tuning.*} and Kiln's own settings ({@code class_weights},
   * {@code early_stopping}).
   */
  public Map<String, String> effectiveParams() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("algorithm", model.algorithm());
    PredictionModel<?, ?> predictor = fitted == null ? null : FeatureImportances.predictor(fitted);
    // A LightGBM model keeps no training params of its own: its booster's saved parameters say what trained.
    boolean lightgbm = predictor instanceof LightGBMModelMethods;
    org.apache.spark.ml.param.Params source = predictor == null || lightgbm
        ? algorithm().estimator(task, features.label(), model.params()) : predictor;
    for (ParamPair<?> pair : source.extractParamMap().toList()) {
      if (pair.value() != null) {
        params.put(pair.param().name(), render(pair.value()));
      }
    }
    if (lightgbm) {
      lightgbmParameters(((LightGBMModelMethods) predictor).getNativeModel())
          .forEach((name, value) -> params.put("lightgbm." + name, value));
    }
    if (model.balanced()) {
      params.put("class_weights", "balanced");
    }
    if (model.earlyStopping().enabled()) {
      params.put("early_stopping", String.format(java.util.Locale.ROOT, "validation fraction %s, seed %d",
          model.earlyStopping().validationFraction(), model.earlyStopping().seed()));
      if (fitted != null) {
        trees(FeatureImportances.predictor(fitted)).ifPresent(n -> params.put("early_stopping.trees",
            String.valueOf(n)));
      }
    }
    if (tuned != null) {
      params.putAll(tuned.asParams(model.tuning()));
    }
    return params;
  }

  /** The tuning search of the last {@link #fit}, when there was one. */
  public Optional<Tuning.Result> tuning() {
    return Optional.ofNullable(tuned);
  }

  /**
   * The {@code parameters:} section LightGBM writes into a saved model ({@code [num_threads: 2]} per line): every
   * parameter the booster trained with, by LightGBM's names, as text.
   */
  static Map<String, String> lightgbmParameters(String nativeModel) {
    Map<String, String> parameters = new java.util.TreeMap<>();
    int start = nativeModel.indexOf("\nparameters:\n");
    int end = nativeModel.indexOf("\nend of parameters", Math.max(start, 0));
    if (start < 0 || end < 0) {
      return parameters;
    }
    for (String line : nativeModel.substring(start + "\nparameters:\n".length(), end).split("\n")) {
      int colon = line.indexOf(": ");
      if (line.startsWith("[") && line.endsWith("]") && colon > 0) {
        parameters.put(line.substring(1, colon), line.substring(colon + 2, line.length() - 1));
      }
    }
    return parameters;
  }

  /** How many trees a boosted model has (after early stopping, fewer than it was allowed). */
  static Optional<Integer> trees(org.apache.spark.ml.PredictionModel<?, ?> model) {
    if (model instanceof org.apache.spark.ml.classification.GBTClassificationModel gbt) {
      return Optional.of(gbt.getNumTrees());
    }
    if (model instanceof org.apache.spark.ml.regression.GBTRegressionModel gbt) {
      return Optional.of(gbt.getNumTrees());
    }
    if (model instanceof ml.dmlc.xgboost4j.scala.spark.XGBoostModel<?> xgboost) {
      try {
        return Optional.of((int) xgboost.nativeBooster().getNumBoostedRound());
      } catch (Exception e) {  // XGBoostError, thrown invisibly through Scala
        return Optional.empty();
      }
    }
    if (model instanceof LightGBMModelMethods lightgbm) {
      // Its trees after early stopping: the booster keeps the rounds up to the best one (and, per round, one
      // tree per class; counted here in rounds, as XGBoost's).
      return Optional.of(lightgbm.getBoosterNumTotalIterations());
    }
    return Optional.empty();
  }

  /** A parameter value as text: arrays as comma-separated lists. */
  static String render(Object value) {
    if (value instanceof int[] ints) {
      return String.join(",", java.util.Arrays.stream(ints).mapToObj(String::valueOf).toList());
    }
    if (value instanceof double[] doubles) {
      return String.join(",", java.util.Arrays.stream(doubles).mapToObj(String::valueOf).toList());
    }
    if (value instanceof float[] floats) {
      List<String> parts = new ArrayList<>();
      for (float f : floats) {
        parts.add(String.valueOf(f));
      }
      return String.join(",", parts);
    }
    if (value instanceof Object[] objects) {
      return String.join(",", java.util.Arrays.stream(objects).map(String::valueOf).toList());
    }
    return String.valueOf(value);
  }

  public Task task() {
    return task;
  }

  private Algorithm algorithm() {
    return Algorithm.named(model.algorithm());
  }

  private ModelEstimator modelStage(String trainedLabel) {
    Predictor<?, ?, ?> estimator = algorithm().estimator(task, trainedLabel, model.params());
    PipelineConfig.EarlyStoppingConfig stopping = model.earlyStopping();
    return new ModelEstimator(estimator, new ModelEstimator.Completion(algorithm(), model.balanced(),
        model.hiddenLayers(), stopping.enabled(), stopping.validationFraction(), stopping.seed(), rowColumns()));
  }

  private List<String> rowColumns() {
    return splitBy.isEmpty() ? features.allColumns() : splitBy;
  }
}

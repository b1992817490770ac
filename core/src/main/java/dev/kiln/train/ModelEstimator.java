package dev.kiln.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;

import com.microsoft.azure.synapse.ml.lightgbm.LightGBMBase;
import com.microsoft.azure.synapse.ml.lightgbm.LightGBMClassifier;
import dev.kiln.errors.InvalidInputException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import ml.dmlc.xgboost4j.scala.spark.XGBoostEstimator;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.classification.NaiveBayes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.stat.Summarizer;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The model stage of a Kiln pipeline: the configured estimator, completed at fit time with what only the rows it is
 * fitted on can tell, then fitted. The fitted pipeline holds the estimator's own model, never this stage, so a saved
 * model loads without Kiln. Inside a tuning search every fold's fit completes it anew from that fold's rows:
 *
 * <ul>
 *   <li>balanced class weights, {@code n / (k · n_class)} counted on these rows, as the {@code weightCol};
 *   <li>the MLP's input size (the assembled vector's) and output size (the number of classes) around its hidden
 *       layers;
 *   <li>early stopping: a validation part chosen by a seeded hash of the row — GBT's {@code validationIndicatorCol},
 *       XGBoost's evaluation set with {@code numEarlyStoppingRounds} (10 unless set);
 *   <li>XGBoost's {@code numWorkers} (the rows' partitions, at most the cluster's cores), its tracker's address
 *       (the driver's, {@code spark.driver.host}) and, for several classes, {@code num_class}, unless configured;
 *       a model of several classes is returned as a {@link MulticlassXGBoostModel}, which loads as it was saved;
 *   <li>LightGBM's {@code numThreads} (an executor's cores: SynapseML's default trains with one thread),
 *       {@code objective = multiclass} for several classes, {@code samplingMode = global} (its bins from a sample of
 *       all rows, not the first ones), and with early stopping {@code earlyStoppingRound} (10 unless set), unless
 *       configured;
 *   <li>naive Bayes' check that features are non-negative (all its model types but gaussian need it);
 *   <li>for category slots ({@code features.categorical-encoding = native}): XGBoost's {@code feature_types}
 *       ({@code c} for them, {@code q} for the rest), LightGBM's {@code categoricalSlotIndexes}, and MLlib trees'
 *       {@code maxBins} raised to the most values a category slot has, unless configured.
 * </ul>
 *
 * <p>Every MLlib learner reads its rows in several passes — the linear models their feature statistics, then their
 * training blocks; the trees their label's classes, a sample for their split candidates, then their binned rows; the
 * MLP every iteration — and each pass would compute every feature stage again. So the stage caches the columns the
 * fit reads, as the feature stages left them, before the completions above, and releases them after the fit: the
 * feature stages run once (a 10-million-row logistic regression: 45 s → 35 s, bench/README.md). XGBoost converts its
 * rows once, and rows that come cached are used as they come.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
final class ModelEstimator extends Estimator implements Serializable {

  static final String WEIGHT = "__kiln_class_weight";
  static final String VALIDATION = "__kiln_validation";
  /**
   * XGBoost's and LightGBM's patience when early stopping is on and {@code numEarlyStoppingRounds} /
   * {@code earlyStoppingRound} is not configured.
   */
  static final int BOOSTING_PATIENCE = 10;

  /**
   * What the stage completes the estimator with.
   *
   * @param rowColumns the input columns whose values identify a row (hashed for the validation part)
   */
  record Completion(Algorithm algorithm, boolean balanced, List<Integer> hiddenLayers, boolean earlyStopping,
      double validationFraction, long validationSeed, List<String> rowColumns) implements Serializable {}

  private final String uid;
  private final Predictor estimator;
  private final Completion completion;

  ModelEstimator(Predictor<?, ?, ?> estimator, Completion completion) {
    this(Identifiable.randomUID("kilnModel"), estimator, completion);
  }

  private ModelEstimator(String uid, Predictor estimator, Completion completion) {
    this.uid = uid;
    this.estimator = estimator;
    this.completion = completion;
  }

  /** The configured estimator, whose params a tuning grid addresses. */
  Predictor<?, ?, ?> estimator() {
    return estimator;
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Model fit(Dataset dataset) {
    Dataset<Row> rows = dataset.toDF();
    Predictor learner = (Predictor) estimator.copy(ParamMap.empty());
    if (learner instanceof XGBoostEstimator || !rows.storageLevel().equals(StorageLevel.NONE())) {
      return completeAndFit(learner, rows);
    }
    Dataset<Row> cached = rows.select(columnsRead(learner)).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return completeAndFit(learner, cached);
    } finally {
      cached.unpersist(false);
    }
  }

  private Model completeAndFit(Predictor learner, Dataset<Row> rows) {
    String label = learner.getLabelCol();
    if (completion.balanced()) {
      rows = rows.withColumn(WEIGHT, classWeights(rows, label));
      Algorithm.set(learner, learner.getParam("weightCol"), WEIGHT);
    }
    if (learner instanceof MultilayerPerceptronClassifier mlp) {
      mlp.setLayers(layers(rows, learner.getFeaturesCol(), label));
    }
    if (learner instanceof NaiveBayes bayes && !"gaussian".equals(bayes.getModelType())) {
      requireNonNegative(rows, bayes.getFeaturesCol(), bayes.getModelType());
    }
    if (learner instanceof XGBoostEstimator xgboost) {
      completeXgboost(learner, rows);
    }
    if (learner instanceof LightGBMBase) {
      completeLightgbm(learner, rows);
    }
    if (learner.hasParam("maxBins")) {
      fitBinsToCategories(learner, rows.schema());
    }
    if (completion.earlyStopping()) {
      rows = rows.withColumn(VALIDATION,
          HoldOutSplit.uniform(completion.rowColumns(), completion.validationSeed())
              .lt(lit(completion.validationFraction())));
      if (learner instanceof XGBoostEstimator xgboost) {
        if (!learner.isSet(learner.getParam("numEarlyStoppingRounds"))) {
          Algorithm.set(learner, learner.getParam("numEarlyStoppingRounds"), BOOSTING_PATIENCE);
        }
        xgboost.setEvalDataset(rows.filter(col(VALIDATION)).drop(VALIDATION));
        rows = rows.filter(col(VALIDATION).unary_$bang()).drop(VALIDATION);
      } else {
        // LightGBM validates on the flagged rows but stops only with a patience; 0, its default, never stops.
        if (learner instanceof LightGBMBase && !learner.isSet(learner.getParam("earlyStoppingRound"))) {
          Algorithm.set(learner, learner.getParam("earlyStoppingRound"), BOOSTING_PATIENCE);
        }
        Algorithm.set(learner, learner.getParam("validationIndicatorCol"), VALIDATION);
      }
    }
    Model fitted = learner.fit(rows);
    if (fitted instanceof XGBoostClassificationModel xgboost && xgboost.numClasses() > 2) {
      return new MulticlassXGBoostModel(xgboost);
    }
    return fitted;
  }

  /**
   * The columns the fit reads: the learner's features, label and configured weight, and with early stopping the
   * columns its validation part is hashed from.
   */
  private Column[] columnsRead(Predictor learner) {
    Set<String> read = new LinkedHashSet<>();
    for (String param : List.of("featuresCol", "labelCol", "weightCol")) {
      if (learner.hasParam(param) && learner.isDefined(learner.getParam(param))) {
        read.add((String) learner.getOrDefault(learner.getParam(param)));
      }
    }
    if (completion.earlyStopping()) {
      read.addAll(completion.rowColumns());
    }
    return read.stream().filter(name -> !name.isEmpty()).map(name -> col("`" + name + "`")).toArray(Column[]::new);
  }

  /** {@code n / (k · n_class)} per row, from one count per class of {@code rows}. */
  private static Column classWeights(Dataset<Row> rows, String label) {
    List<Row> counts = rows.groupBy(col("`" + label + "`")).count().collectAsList();
    long n = counts.stream().mapToLong(r -> r.getLong(1)).sum();
    Column weight = null;
    for (Row count : counts) {
      double w = (double) n / (counts.size() * count.getLong(1));
      Column isClass = col("`" + label + "`").equalTo(lit(count.get(0)));
      weight = weight == null ? when(isClass, w) : weight.when(isClass, w);
    }
    return weight.otherwise(1.0);
  }

  private int[] layers(Dataset<Row> rows, String features, String label) {
    int inputs = AttributeGroup.fromStructField(rows.schema().apply(features)).size();
    if (inputs < 0) {
      inputs = ((Vector) rows.select(features).head().get(0)).size();
    }
    int classes = classes(rows, label);
    List<Integer> hidden = completion.hiddenLayers().isEmpty()
        ? List.of(Math.max(2, (inputs + classes + 1) / 2)) : completion.hiddenLayers();
    int[] layers = new int[hidden.size() + 2];
    layers[0] = inputs;
    for (int i = 0; i < hidden.size(); i++) {
      layers[i + 1] = hidden.get(i);
    }
    layers[layers.length - 1] = classes;
    return layers;
  }

  /** The number of classes: from an indexed label's metadata, else the largest class number + 1. */
  private static int classes(Dataset<Row> rows, String label) {
    Attribute attribute = Attribute.fromStructField(rows.schema().apply(label));
    if (attribute instanceof NominalAttribute nominal && nominal.getNumValues().isDefined()) {
      return (Integer) nominal.getNumValues().get();
    }
    Row top = rows.agg(max(col("`" + label + "`").cast("double"))).head();
    return Math.max(2, (int) top.getDouble(0) + 1);
  }

  private static void requireNonNegative(Dataset<Row> rows, String features, String modelType) {
    Vector min = (Vector) rows.select(Summarizer.metrics("min").summary(col(features)).getField("min")).head()
        .get(0);
    List<String> negative = new ArrayList<>();
    AttributeGroup names = AttributeGroup.fromStructField(rows.schema().apply(features));
    for (int i = 0; i < min.size() && negative.size() < 5; i++) {
      if (min.apply(i) < 0) {
        String name = names.attributes().isDefined() && names.getAttr(i).name().isDefined()
            ? FeatureImportances.readable(names.getAttr(i).name().get()) : "feature " + i;
        negative.add(String.format(java.util.Locale.ROOT, "'%s' (down to %s)", name, min.apply(i)));
      }
    }
    if (!negative.isEmpty()) {
      throw new InvalidInputException("model.algorithm = naive-bayes with modelType " + modelType
          + " needs non-negative features, but the training rows have negative values in " + String.join(", ",
          negative) + ": set model.params.modelType = gaussian for real-valued features");
    }
  }

  /**
   * The number of values of each category slot of the features ({@code categorical-encoding = native}: a
   * {@link NominalAttribute} the assembler carried over from the indexer), by slot; empty without such slots.
   */
  static java.util.SortedMap<Integer, Integer> categorySlots(StructType schema, String features) {
    java.util.SortedMap<Integer, Integer> slots = new java.util.TreeMap<>();
    AttributeGroup group = AttributeGroup.fromStructField(schema.apply(features));
    if (group.attributes().isDefined()) {
      Attribute[] attributes = group.attributes().get();
      for (int i = 0; i < attributes.length; i++) {
        if (attributes[i] instanceof NominalAttribute nominal && nominal.getNumValues().isDefined()) {
          slots.put(i, (Integer) nominal.getNumValues().get());
        }
      }
    }
    return slots;
  }

  /**
   * MLlib's trees read category slots from the metadata and need {@code maxBins} at least each slot's number of
   * values: raised to that unless configured, and a configured value too small for it is named.
   */
  private static void fitBinsToCategories(Predictor learner, StructType schema) {
    java.util.SortedMap<Integer, Integer> slots = categorySlots(schema, learner.getFeaturesCol());
    int widest = slots.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    org.apache.spark.ml.param.Param bins = learner.getParam("maxBins");
    int configured = (Integer) learner.getOrDefault(bins);
    if (widest <= configured) {
      return;
    }
    if (learner.isSet(bins)) {
      String name = AttributeGroup.fromStructField(schema.apply(learner.getFeaturesCol()))
          .getAttr(slots.entrySet().stream().filter(e -> e.getValue() == widest).findFirst().get().getKey())
          .name().getOrElse(() -> "a categorical feature");
      throw new dev.kiln.errors.InvalidConfigException(List.of(new dev.kiln.errors.ConfigProblem("",
          "model.params.maxBins", configured + " is below the " + widest + " values of the categorical feature '"
              + FeatureImportances.readable(name) + "' (features.categorical-encoding = native): raise it (in "
              + "model.params, or in model.tuning.grid when searched) to at least " + widest + ", or leave it unset")));
    }
    Algorithm.set(learner, bins, widest);
  }

  private static void completeXgboost(Predictor learner, Dataset<Row> rows) {
    if (!learner.isSet(learner.getParam("feature_types"))) {
      java.util.SortedMap<Integer, Integer> slots = categorySlots(rows.schema(), learner.getFeaturesCol());
      if (!slots.isEmpty()) {
        // XGBoost splits a slot typed "c" on sets of its values, as it does for a pandas category column.
        int size = AttributeGroup.fromStructField(rows.schema().apply(learner.getFeaturesCol())).size();
        String[] types = new String[size];
        for (int i = 0; i < size; i++) {
          types[i] = slots.containsKey(i) ? "c" : "q";
        }
        Algorithm.set(learner, learner.getParam("feature_types"), types);
      }
    }
    if (learner instanceof XGBoostClassifier && !learner.isSet(learner.getParam("num_class"))) {
      // Set, not inferred: XGBoost 3.2 saves only set params, and loads a model without num_class as binary.
      int classes = classes(rows, learner.getLabelCol());
      if (classes > 2) {
        Algorithm.set(learner, learner.getParam("num_class"), classes);
      }
    }
    if (!learner.isSet(learner.getParam("numWorkers"))) {
      int partitions = rows.javaRDD().getNumPartitions();
      int cores = rows.sparkSession().sparkContext().defaultParallelism();
      Algorithm.set(learner, learner.getParam("numWorkers"), Math.max(1, Math.min(partitions, cores)));
    }
    Optional<String> driver = Optional.ofNullable(rows.sparkSession().sparkContext().getConf()
        .get("spark.driver.host", null));
    if (!learner.isSet(learner.getParam("rabitTrackerHostIp")) && driver.isPresent()) {
      Algorithm.set(learner, learner.getParam("rabitTrackerHostIp"), driver.get());
    }
  }

  /**
   * LightGBM's objective for several classes ({@code multiclass}), its category slots ({@code categoricalSlotIndexes}),
   * its bin sample and its threads, each unless configured. The bins: SynapseML's default {@code samplingMode}
   * ({@code subset}) samples only the first {@code binSampleCount} rows, in a time-ordered table its first days;
   * {@code global} samples all of them. The threads: one native dataset per executor is trained by
   * {@code numThreads} threads, and SynapseML's default (0) leaves it at one thread, so it is set to the cores an
   * executor has ({@link #executorCores}).
   */
  private static void completeLightgbm(Predictor learner, Dataset<Row> rows) {
    if (learner instanceof LightGBMClassifier && !learner.isSet(learner.getParam("objective"))
        && classes(rows, learner.getLabelCol()) > 2) {
      // Its default objective is binary whatever the label holds.
      Algorithm.set(learner, learner.getParam("objective"), "multiclass");
    }
    if (!learner.isSet(learner.getParam("categoricalSlotIndexes"))
        && !learner.isSet(learner.getParam("categoricalSlotNames"))) {
      java.util.SortedMap<Integer, Integer> slots = categorySlots(rows.schema(), learner.getFeaturesCol());
      if (!slots.isEmpty()) {
        Algorithm.set(learner, learner.getParam("categoricalSlotIndexes"),
            slots.keySet().stream().mapToInt(Integer::intValue).toArray());
      }
    }
    if (!learner.isSet(learner.getParam("samplingMode"))) {
      Algorithm.set(learner, learner.getParam("samplingMode"), "global");
    }
    if (!learner.isSet(learner.getParam("numThreads"))) {
      executorCores(rows.sparkSession().sparkContext())
          .ifPresent(cores -> Algorithm.set(learner, learner.getParam("numThreads"), cores));
    }
  }

  /**
   * The cores of one executor: in local mode all the driver's; else {@code spark.executor.cores}, or when that is unset
   * (a standalone executor then takes all its worker's cores) the application's cores over its executors.
   */
  static Optional<Integer> executorCores(org.apache.spark.SparkContext context) {
    if (context.isLocal()) {
      return Optional.of(context.defaultParallelism());
    }
    if (context.getConf().contains("spark.executor.cores")) {
      return Optional.of(context.getConf().getInt("spark.executor.cores", 1));
    }
    int executors = context.getExecutorMemoryStatus().size() - 1;  // the driver's block manager is listed too
    return executors < 1 ? Optional.empty() : Optional.of(Math.max(1, context.defaultParallelism() / executors));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return estimator.transformSchema(schema);
  }

  @Override
  public ModelEstimator copy(ParamMap extra) {
    return new ModelEstimator(uid, (Predictor) estimator.copy(extra), completion);
  }
}

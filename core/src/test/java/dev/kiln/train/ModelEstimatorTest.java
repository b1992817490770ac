package dev.kiln.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig.EarlyStoppingConfig;
import dev.kiln.config.PipelineConfig.ModelConfig;
import dev.kiln.config.PipelineConfig.TuningConfig;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.testing.UsesSpark;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.classification.DecisionTreeClassifier;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LinearSVC;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.classification.NaiveBayes;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;

/** What the model stage completes at fit time, and what it refuses. */
@UsesSpark
class ModelEstimatorTest {

  @Test
  void theMlpGetsItsInputAndOutputSizesAroundTheHiddenLayers(SparkSession spark) {
    Dataset<Row> rows = Learning.multiclass(spark, 1000);
    ModelConfig model = new ModelConfig("m", "multiclass", "mlp", Map.of("maxIter", "50", "seed", "1"),
        List.of(8, 4), "none", TuningConfig.NONE, EarlyStoppingConfig.OFF);
    ModelTrainer trainer = Learning.trainer(model, Task.MULTICLASS);
    PipelineModel fitted = trainer.fit(rows);
    int inputs = AttributeGroup.fromStructField(fitted.transform(rows).schema().apply("features")).size();
    // Three classes and the label indexer's slot for unseen ones.
    assertEquals(inputs + ",8,4,4", trainer.effectiveParams().get("layers"));
  }

  @Test
  void everyMllibLearnerComputesTheFeatureStagesOncePerFit(SparkSession spark) {
    LongAccumulator built = spark.sparkContext().longAccumulator("feature vectors built");
    UserDefinedFunction vector = udf((UDF2<Double, Double, Vector>) (x1, x2) -> {
      built.add(1);
      return Vectors.dense(x1, x2);
    }, new VectorUDT());
    // The features come from a computation over uncached rows, as a pipeline's feature stages give them.
    Dataset<Row> rows = Learning.binary(spark, 1000).withColumn("features",
        vector.apply(col("x1").cast("double"), col("x2").cast("double")));
    new LogisticRegression().setLabelCol("y").setMaxIter(20).fit(rows);
    assertTrue(built.value() >= 2000, "Spark's own logistic regression built its features " + built.value() + " times");
    built.reset();
    new GBTClassifier().setLabelCol("y").setMaxIter(5).fit(rows);
    assertTrue(built.value() >= 2000, "Spark's own GBT built its features " + built.value() + " times");

    int persistedBefore = spark.sparkContext().getPersistentRDDs().size();
    List<Predictor<?, ?, ?>> learners = List.of(new LogisticRegression().setMaxIter(20),
        new LinearSVC().setMaxIter(20), new LinearRegression().setSolver("l-bfgs").setMaxIter(20),
        new LinearRegression(), new MultilayerPerceptronClassifier().setMaxIter(20).setSeed(1),
        new NaiveBayes().setModelType("gaussian"), new DecisionTreeClassifier(),
        new RandomForestClassifier().setNumTrees(5), new GBTClassifier().setMaxIter(5));
    for (Predictor<?, ?, ?> learner : learners) {
      for (boolean earlyStopping : learner instanceof GBTClassifier ? List.of(false, true) : List.of(false)) {
        built.reset();
        learner.setLabelCol("y");
        // Early stopping hashes the input columns into its validation part: they are cached too.
        new ModelEstimator(learner, new ModelEstimator.Completion(Algorithm.GBT, false, List.of(), earlyStopping,
            0.2, 7L, List.of("x1", "x2", "colour", "y"))).fit(rows);
        assertEquals(1000, built.value(), learner.getClass().getSimpleName() + (earlyStopping ? " (early stopping)"
            : "") + " built the features once per row");
      }
    }
    assertEquals(persistedBefore, spark.sparkContext().getPersistentRDDs().size(), "the cached rows are released");
  }

  @Test
  void naiveBayesRefusesNegativeFeaturesUnlessGaussian(SparkSession spark) {
    Dataset<Row> rows = Learning.binary(spark, 500);
    ModelTrainer trainer = Learning.trainer(Learning.model("naive-bayes", Task.BINARY, Map.of()), Task.BINARY);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> trainer.fit(rows));
    assertTrue(e.getMessage().startsWith("model.algorithm = naive-bayes with modelType multinomial needs "
        + "non-negative features, but the training rows have negative values in 'x1' (down to -"), e.getMessage());
    assertTrue(e.getMessage().endsWith("set model.params.modelType = gaussian for real-valued features"),
        e.getMessage());
  }

  /**
   * LightGBM bins every feature by boundaries drawn from a sample of rows. SynapseML's default draws it from the first
   * rows, which in a table ordered by time (this one by {@code x1}, a month) hold one value or two; Kiln draws it from
   * all of them. A 40,000-row sample of 360,000 rows stands in for the 200,000 of a large table.
   */
  @Test
  void lightgbmBinsEachFeatureFromASampleOfAllRows(SparkSession spark) {
    Dataset<Row> byMonth = spark.range(0, 360_000, 1, 2).selectExpr("floor(id / 30000) + 1.0 as x1",
            "(pmod(hash(id, 12), 20000) / 10000.0) - 1.0 as x2", "'red' as colour")
        .selectExpr("x1", "x2", "colour", "x1 + 0.1 * x2 as y").cache();
    Map<String, String> params = Map.of("numIterations", "30", "binSampleCount", "40000");
    Map<String, String> firstRows = new HashMap<>(params);
    firstRows.put("samplingMode", "subset");
    double allRows;
    double first;
    try {
      allRows = monthR2(params, byMonth);
      first = monthR2(firstRows, byMonth);
    } finally {
      byMonth.unpersist();  // 360,000 rows would otherwise stay cached for the rest of this JVM's tests
    }
    assertTrue(allRows > 0.95, "bins from all rows: R² " + allRows);
    // The first rows' months are 1 and 2: every later month shares one bin.
    assertTrue(first < 0.5, "bins from the first rows (configured samplingMode = subset): R² " + first);
  }

  private static double monthR2(Map<String, String> params, Dataset<Row> rows) {
    PipelineModel model = Learning.trainer(Learning.model("lightgbm", Task.REGRESSION, params), Task.REGRESSION)
        .fit(rows);
    return Learning.metrics(model, rows, Task.REGRESSION).get("r2");
  }

  @Test
  void aTaskTheLabelDecidedIsCheckedBeforeFitting(SparkSession spark) {
    Dataset<Row> rows = Learning.multiclass(spark, 300);
    ModelTrainer svm = Learning.trainer(new ModelConfig("m", "linear-svm", Map.of()), Task.MULTICLASS);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> svm.fit(rows));
    assertEquals("model.algorithm = linear-svm cannot learn a multiclass task; it serves binary", e.getMessage());

    ModelConfig weighted = new ModelConfig("m", "auto", "random-forest", Map.of(), List.of(), "balanced",
        TuningConfig.NONE, EarlyStoppingConfig.OFF);
    InvalidConfigException config = assertThrows(InvalidConfigException.class,
        () -> Learning.trainer(weighted, Task.REGRESSION).fit(Learning.regression(spark, 300)));
    assertTrue(config.getMessage().contains("task regression: model.class-weights: balanced class weights apply to "
        + "classification, not to a regression task"), config.getMessage());
  }
}

package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.azure.synapse.ml.lightgbm.LightGBMClassifier;
import com.microsoft.azure.synapse.ml.lightgbm.LightGBMRegressor;
import dev.kiln.config.PipelineConfigParser;
import dev.kiln.errors.ConfigProblem;
import dev.kiln.errors.InvalidInputException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Predictor;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressor;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.junit.jupiter.api.Test;

class AlgorithmTest {

  @Test
  void paramsAreSetBySparkName() {
    Predictor<?, ?, ?> gbt = Algorithm.GBT.estimator("churned", Map.of("maxIter", "7", "stepSize", "0.3",
        "lossType", "logistic"));
    GBTClassifier classifier = (GBTClassifier) gbt;
    assertEquals(7, classifier.getMaxIter());
    assertEquals(0.3, classifier.getStepSize());
    assertEquals("churned", classifier.getLabelCol());
    assertEquals("features", classifier.getFeaturesCol());
  }

  @Test
  void theConfigNamesTheAlgorithmsAndEachServesItsTasks() {
    assertEquals(PipelineConfigParser.ALGORITHMS, Algorithm.configNames());
    assertEquals(EnumSet.of(Task.REGRESSION), Algorithm.LINEAR_REGRESSION.tasks());
    assertEquals(EnumSet.of(Task.BINARY, Task.MULTICLASS), Algorithm.LOGISTIC_REGRESSION.tasks());
    assertEquals(EnumSet.of(Task.BINARY, Task.REGRESSION), Algorithm.GBT.tasks(), "GBTClassifier is binary only");
    assertEquals(EnumSet.of(Task.BINARY), Algorithm.LINEAR_SVM.tasks());
    assertEquals(EnumSet.allOf(Task.class), Algorithm.XGBOOST.tasks());
    assertTrue(Algorithm.XGBOOST.estimator(Task.REGRESSION, "y", Map.of()) instanceof XGBoostRegressor);
    assertEquals(EnumSet.allOf(Task.class), Algorithm.LIGHTGBM.tasks());
    assertTrue(Algorithm.LIGHTGBM.estimator(Task.REGRESSION, "y", Map.of()) instanceof LightGBMRegressor);
    assertTrue(Algorithm.LIGHTGBM.estimator(Task.MULTICLASS, "y", Map.of()) instanceof LightGBMClassifier);
    assertTrue(Algorithm.RANDOM_FOREST.estimator(Task.MULTICLASS, "y", Map.of()) instanceof RandomForestClassifier);
    assertEquals("model.algorithm = gbt cannot learn a multiclass task; it serves binary, regression (MLlib's "
        + "GBTClassifier is binary only: use xgboost or random-forest for several classes)",
        Algorithm.GBT.unsupported(Task.MULTICLASS).orElseThrow());
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> Algorithm.LINEAR_REGRESSION.requireSupports(Task.BINARY));
    assertTrue(e.getMessage().startsWith("model.algorithm = linear-regression cannot learn a binary task"),
        e.getMessage());
  }

  @Test
  void arrayAndXgboostParamsAreSetFromText() {
    LogisticRegression logistic = (LogisticRegression) Algorithm.LOGISTIC_REGRESSION.estimator(Task.MULTICLASS,
        "y", Map.of("thresholds", "0.2, 0.3,0.5"));
    assertArrayEquals(new double[] {0.2, 0.3, 0.5}, logistic.getThresholds());
    XGBoostClassifier xgboost = (XGBoostClassifier) Algorithm.XGBOOST.estimator(Task.BINARY, "y",
        Map.of("numRound", "7", "eta", "0.3", "missing", "-1", "monotone_constraints", "[1,-1]"));
    assertEquals(7, xgboost.getNumRound());
    assertEquals(-1f, xgboost.getMissing());
    assertArrayEquals(new int[] {1, -1}, (int[]) xgboost.getOrDefault(xgboost.getParam("monotone_constraints")));
    LightGBMClassifier lightgbm = (LightGBMClassifier) Algorithm.LIGHTGBM.estimator(Task.BINARY, "y",
        Map.of("numIterations", "40", "learningRate", "0.05", "categoricalSlotIndexes", "[0, 3]"));
    assertEquals(40, lightgbm.getNumIterations());
    assertEquals(0.05, lightgbm.getLearningRate());
    assertArrayEquals(new int[] {0, 3}, lightgbm.getCategoricalSlotIndexes());
    List<ConfigProblem> problems = Algorithm.LIGHTGBM.check(Map.of("numLeaves", "many",
        "validationIndicatorCol", "v"), "");
    assertEquals(2, problems.size(), problems.toString());
  }

  @Test
  void everyBadParamIsReported() {
    List<ConfigProblem> problems = Algorithm.LOGISTIC_REGRESSION.check(Map.of(
        "maxIterations", "10", "regParam", "lots", "elasticNetParam", "2.0", "featuresCol", "x"), "");
    String all = problems.toString();
    assertEquals(4, problems.size(), all);
    assertTrue(all.contains("model.params.maxIterations: logistic-regression has no parameter 'maxIterations'"),
        all);
    assertTrue(all.contains("model.params.regParam: 'lots' is not valid"), all);
    assertTrue(all.contains("model.params.elasticNetParam: '2.0' is not valid: out of the range"), all);
    assertTrue(all.contains("model.params.featuresCol: is set by Kiln"), all);
  }
}

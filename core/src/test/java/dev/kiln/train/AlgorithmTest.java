package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.ConfigProblem;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.classification.GBTClassifier;
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

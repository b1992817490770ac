package dev.kiln.train;

import dev.kiln.errors.ConfigProblem;
import dev.kiln.feature.FeatureStages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;

/**
 * The learning algorithms a config can name, each an MLlib estimator. Parameters are given by their Spark names
 * ({@code maxIter}, {@code regParam}, ...) and checked against the estimator before any work starts.
 */
public enum Algorithm {
  LOGISTIC_REGRESSION("logistic-regression", LogisticRegression::new),
  GBT("gbt", GBTClassifier::new);

  private final String configName;
  private final Supplier<Predictor<?, ?, ?>> factory;

  Algorithm(String configName, Supplier<Predictor<?, ?, ?>> factory) {
    this.configName = configName;
    this.factory = factory;
  }

  public String configName() {
    return configName;
  }

  public static Algorithm named(String configName) {
    return Arrays.stream(values()).filter(a -> a.configName.equals(configName)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown algorithm " + configName));
  }

  /** A configured estimator reading {@link FeatureStages#FEATURES} and {@code label}. */
  public Predictor<?, ?, ?> estimator(String label, Map<String, String> params) {
    List<ConfigProblem> problems = new ArrayList<>();
    Predictor<?, ?, ?> estimator = configure(label, params, problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(problems.toString());
    }
    return estimator;
  }

  /** Every problem with {@code params}, as config problems on {@code model.params.<name>}. */
  public List<ConfigProblem> check(Map<String, String> params, String origin) {
    List<ConfigProblem> problems = new ArrayList<>();
    configure("label", params, problems);
    return problems.stream()
        .map(p -> new ConfigProblem(origin, p.key(), p.message())).toList();
  }

  private Predictor<?, ?, ?> configure(String label, Map<String, String> params, List<ConfigProblem> problems) {
    Predictor<?, ?, ?> estimator = factory.get();
    estimator.set(estimator.labelCol(), label);
    estimator.set(estimator.featuresCol(), FeatureStages.FEATURES);
    for (Map.Entry<String, String> entry : params.entrySet()) {
      String key = "model.params." + entry.getKey();
      if (!estimator.hasParam(entry.getKey())) {
        problems.add(new ConfigProblem("", key, configName + " has no parameter '" + entry.getKey()
            + "'; it has " + Arrays.stream(estimator.params()).map(Param::name).sorted().toList()));
        continue;
      }
      if (List.of("labelCol", "featuresCol").contains(entry.getKey())) {
        problems.add(new ConfigProblem("", key, "is set by Kiln from the features section"));
        continue;
      }
      Param<?> param = estimator.getParam(entry.getKey());
      try {
        set(estimator, param, entry.getValue().trim());
      } catch (IllegalArgumentException e) {
        problems.add(new ConfigProblem("", key, "'" + entry.getValue() + "' is not valid: " + e.getMessage()));
      }
    }
    return estimator;
  }

  @SuppressWarnings("unchecked")
  private static void set(Predictor<?, ?, ?> estimator, Param<?> param, String value) {
    Object typed;
    if (param instanceof IntParam) {
      typed = parse(value, Integer::valueOf, "a whole number");
    } else if (param instanceof LongParam) {
      typed = parse(value, Long::valueOf, "a whole number");
    } else if (param instanceof DoubleParam) {
      typed = parse(value, Double::valueOf, "a number");
    } else if (param instanceof BooleanParam) {
      if (!value.equals("true") && !value.equals("false")) {
        throw new IllegalArgumentException("expected true or false");
      }
      typed = Boolean.valueOf(value);
    } else if (param.getClass() == Param.class) {
      typed = value;
    } else {
      throw new IllegalArgumentException("parameters of type " + param.getClass().getSimpleName()
          + " cannot be set from a config yet");
    }
    if (!((Param<Object>) param).isValid().apply(typed).equals(Boolean.TRUE)) {
      throw new IllegalArgumentException("out of the range " + param.doc());
    }
    estimator.set((Param<Object>) param, typed);
  }

  private static Object parse(String value, java.util.function.Function<String, Object> parser, String expected) {
    try {
      return parser.apply(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected " + expected);
    }
  }
}

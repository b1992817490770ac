package dev.kiln.bench;

import dev.kiln.train.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The three pairs the peer comparison fits, each the same model family on the same inputs in both tools: Kiln's
 * declarative features and algorithm (a pipeline config's {@code features} and {@code model} sections) against the
 * estimator a scikit-learn user would pick ({@code bench/python/sklearn_peer.py}).
 */
enum PeerModel {
  /** L-BFGS logistic regression, distance standardised and every other input one-hot, the same L2 penalty. */
  LOGISTIC("logistic", "logistic regression: delayed", PeerData.DELAYED, Task.BINARY,
      "logistic-regression; distance standardised, origin, destination, hour, weekday, month one-hot; L-BFGS, "
          + "≤ " + PeerModel.ITERATIONS + " iterations, L2 regParam = 1 / training rows, standardization = false",
      "LogisticRegression (lbfgs, C = 1, ≤ " + PeerModel.ITERATIONS + " iterations); StandardScaler(distance), "
          + "OneHotEncoder(origin, destination, hour, weekday, month)"),
  /** Histogram-boosted trees, the same rounds, depth and learning rate. */
  XGBOOST("xgboost", "boosted trees: delayed", PeerData.DELAYED, Task.BINARY,
      PeerModel.KILN_TREES, PeerModel.SKLEARN_TREES.formatted("Classifier")),
  /** The same trees on the delay in minutes. */
  XGBOOST_REGRESSION("xgboost-regression", "boosted trees: delay minutes", PeerData.DELAY, Task.REGRESSION,
      PeerModel.KILN_TREES, PeerModel.SKLEARN_TREES.formatted("Regressor")),
  /** The same trees by LightGBM: one native dataset trained by every core, against the same scikit-learn peer. */
  LIGHTGBM("lightgbm", "boosted trees, LightGBM: delayed", PeerData.DELAYED, Task.BINARY, PeerModel.KILN_LIGHTGBM,
      PeerModel.SKLEARN_TREES.formatted("Classifier")),
  LIGHTGBM_REGRESSION("lightgbm-regression", "boosted trees, LightGBM: delay minutes", PeerData.DELAY, Task.REGRESSION,
      PeerModel.KILN_LIGHTGBM, PeerModel.SKLEARN_TREES.formatted("Regressor"));

  static final int ITERATIONS = 100;
  static final int ROUNDS = 100;
  static final int DEPTH = 6;
  static final double ETA = 0.1;
  /** scikit-learn's {@code min_samples_leaf} default; XGBoost's {@code min_child_weight} under squared error. */
  static final int MIN_LEAF_ROWS = 20;
  /** XGBoost's and scikit-learn's seeds (neither samples rows or columns at these settings). */
  static final int SEED = 7;

  private static final String KILN_TREES = "xgboost (XGBoost4J-Spark, hist, one worker per core); " + ROUNDS
      + " rounds, max_depth " + DEPTH + ", eta " + ETA + ", lambda 0 (regression: min_child_weight "
      + MIN_LEAF_ROWS + "); distance, hour, weekday, month numeric; origin, destination categorical "
      + "(categorical-encoding = native: XGBoost splits on sets of airports)";
  /** Both boosted trees' features: the airports as native categories (sets of them are split on). */
  private static final String TREE_FEATURES = """
      features {
        label = %s
        numeric = [distance, hour, weekday, month]
        categorical = [origin, destination]
        categorical-encoding = native
      }
      """;
  private static final String KILN_LIGHTGBM = "lightgbm (SynapseML LightGBM, one dataset per executor, "
      + "numThreads = cores, bins from a sample of all rows); " + ROUNDS + " iterations, maxDepth " + DEPTH
      + ", numLeaves " + (1 << DEPTH)
      + ", learningRate " + ETA + ", lambdaL2 0, minDataInLeaf " + MIN_LEAF_ROWS + "; distance, hour, weekday, month "
      + "numeric; origin, destination categorical (categorical-encoding = native: LightGBM splits on sets of "
      + "airports)";
  private static final String SKLEARN_TREES = "HistGradientBoosting%s (" + ROUNDS + " iterations, max_depth "
      + DEPTH + ", learning_rate " + ETA + ", max_leaf_nodes " + (1 << DEPTH) + ", l2_regularization 0, "
      + "min_samples_leaf " + MIN_LEAF_ROWS + ", no early stopping); origin, "
      + "destination ordinal-encoded and categorical (≤ 255 values) or ordinal numbers";

  private final String key;
  private final String title;
  private final String label;
  private final Task task;
  private final String kiln;
  private final String sklearn;

  PeerModel(String key, String title, String label, Task task, String kiln, String sklearn) {
    this.key = key;
    this.title = title;
    this.label = label;
    this.task = task;
    this.kiln = kiln;
    this.sklearn = sklearn;
  }

  /** The name {@code --models} takes. */
  String key() {
    return key;
  }

  /** What the table's rows call it: family and label. */
  String title() {
    return title;
  }

  String label() {
    return label;
  }

  Task task() {
    return task;
  }

  /** The held-out metric the targets compare, by Kiln's name (which is also the peer's). */
  String metric() {
    return task == Task.REGRESSION ? "r2" : "auc_roc";
  }

  /** The metric as the table names it. */
  String metricName() {
    return task == Task.REGRESSION ? "R²" : "AUC-ROC";
  }

  /** Kiln's settings, in words. */
  String kilnSettings() {
    return kiln;
  }

  /** scikit-learn's settings, in words. */
  String sklearnSettings() {
    return sklearn;
  }

  /**
   * The {@code features} and {@code model} sections of Kiln's pipeline config for this pair. Logistic regression's L2
   * penalty is scikit-learn's: {@code C = 1} on the summed log loss is {@code regParam = 1 / n} on Spark's mean
   * log loss, on the coefficients as the features give them ({@code standardization = false}).
   */
  String kilnConfig(long trainRows) {
    return switch (this) {
      case LOGISTIC -> String.format(Locale.ROOT, """
          features {
            label = %s
            numeric = [distance]
            categorical = [origin, destination, hour, weekday, month]
            scale = standard
          }
          model {
            task = binary
            algorithm = logistic-regression
            params { maxIter = %d, regParam = "%s", elasticNetParam = 0.0, standardization = false }
          }
          """, label, ITERATIONS, Double.toString(1.0 / trainRows));
      case XGBOOST, XGBOOST_REGRESSION -> String.format(Locale.ROOT, TREE_FEATURES + """
          model {
            task = %s
            algorithm = xgboost
            params { numRound = %d, max_depth = %d, eta = %s, seed = %d, lambda = 0%s }
          }
          """, label, task.configName(), ROUNDS, DEPTH, ETA, SEED, task == Task.REGRESSION
              ? ", min_child_weight = " + MIN_LEAF_ROWS : "");
      case LIGHTGBM, LIGHTGBM_REGRESSION -> String.format(Locale.ROOT, TREE_FEATURES + """
          model {
            task = %s
            algorithm = lightgbm
            params { numIterations = %d, maxDepth = %d, numLeaves = %d, learningRate = %s, lambdaL2 = 0.0,
                     minDataInLeaf = %d, seed = %d }
          }
          """, label, task.configName(), ROUNDS, DEPTH, 1 << DEPTH, ETA, MIN_LEAF_ROWS, SEED);
    };
  }

  /** The arguments of {@code sklearn_peer.py} for this pair, after the data's. */
  List<String> sklearnArguments(int threads) {
    List<String> args = new ArrayList<>(List.of("--label", label, "--task", task == Task.REGRESSION
        ? "regression" : "binary", "--threads", String.valueOf(threads)));
    if (this == LOGISTIC) {
      args.addAll(List.of("--model", "logistic", "--numeric", "distance", "--categorical",
          "origin,destination,hour,weekday,month", "--max-iter", String.valueOf(ITERATIONS)));
    } else {
      args.addAll(List.of("--model", "hgb", "--numeric", "distance,hour,weekday,month", "--categorical",
          "origin,destination", "--max-iter", String.valueOf(ROUNDS), "--max-depth", String.valueOf(DEPTH),
          "--learning-rate", String.valueOf(ETA), "--max-leaf-nodes", String.valueOf(1 << DEPTH)));
    }
    return args;
  }
}

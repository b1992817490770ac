package dev.kiln.train;

import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;

import dev.kiln.config.PipelineConfig.ParamRange;
import dev.kiln.config.PipelineConfig.ParamSpace;
import dev.kiln.config.PipelineConfig.TuningConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A parameter search with Spark's {@link CrossValidator} or {@link TrainValidationSplit}, whose estimator is the whole
 * pipeline (feature stages and model), so every fold refits the features on its own training part: nothing of a
 * validation part leaks into what is measured on it. It runs on the rows it is given — the training split — and the
 * best candidate is refitted on all of them. Cross-validation folds are a seeded hash of the row (as the hold-out
 * split), so they do not depend on the partitioning.
 */
public final class Tuning {

  static final String FOLD = "__kiln_fold";

  /** One candidate: its parameter values (Spark names) and its mean validation metric. */
  public record Candidate(Map<String, String> params, double metric) {

    public String describe() {
      List<String> parts = new ArrayList<>();
      params.forEach((name, value) -> parts.add(name + "=" + value));
      return String.join(",", parts);
    }
  }

  /**
   * The search's outcome.
   *
   * @param rows how many rows the search saw: the training split's count
   */
  public record Result(PipelineModel model, String metric, boolean largerIsBetter, List<Candidate> candidates,
      int best, long rows) {

    public Candidate bestCandidate() {
      return candidates.get(best);
    }

    /** What the registry records, under {@code tuning.*}. */
    public Map<String, String> asParams(TuningConfig config) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("tuning.method", config.method());
      params.put("tuning.validation", "cross-validation".equals(config.validation())
          ? "cross-validation, " + config.folds() + " folds"
          : "train-validation-split, train ratio " + config.trainRatio());
      params.put("tuning.metric", metric);
      params.put("tuning.rows", String.valueOf(rows));
      params.put("tuning.best", bestCandidate().describe());
      List<String> all = new ArrayList<>();
      candidates.forEach(c -> all.add(c.describe() + ": " + String.format(Locale.ROOT, "%.6g", c.metric())));
      params.put("tuning.candidates", String.join("; ", all));
      return params;
    }
  }

  private Tuning() {}

  /** The metric a search optimises: the configured one, or the task's default. */
  public static String metric(TuningConfig config, Task task) {
    if (!"auto".equals(config.metric())) {
      return config.metric();
    }
    return switch (task) {
      case BINARY -> "auc_roc";
      case MULTICLASS -> "f1";
      case REGRESSION -> "rmse";
    };
  }

  /** The metrics that measure {@code task}; {@code probabilistic}: whether the model gives probabilities. */
  public static List<String> metrics(Task task, boolean probabilistic) {
    List<String> metrics = new ArrayList<>(switch (task) {
      case BINARY -> List.of("auc_roc", "auc_pr", "accuracy", "f1", "log_loss");
      case MULTICLASS -> List.of("accuracy", "f1", "log_loss");
      case REGRESSION -> List.of("rmse", "mae", "r2");
    });
    if (!probabilistic) {
      metrics.remove("log_loss");
    }
    return metrics;
  }

  /**
   * Searches {@code config}'s space for {@code estimator} (the model stage of {@code pipeline}) on {@code train}.
   *
   * @param label the column the model trains on
   * @param rowColumns the columns hashed to assign cross-validation folds
   */
  public static Result fit(Pipeline pipeline, Predictor<?, ?, ?> estimator, Dataset<Row> train, TuningConfig config,
      Task task, String label, List<String> rowColumns) {
    String metric = metric(config, task);
    Evaluator evaluator = evaluator(metric, task, label);
    ParamMap[] maps = paramMaps(config, estimator);
    long rows = train.count();
    PipelineModel best;
    double[] metrics;
    if ("cross-validation".equals(config.validation())) {
      Dataset<Row> folded = train.withColumn(FOLD,
          floor(HoldOutSplit.uniform(rowColumns, config.seed()).multiply(lit(config.folds()))).cast("int"));
      CrossValidatorModel cv = new CrossValidator().setEstimator(pipeline).setEstimatorParamMaps(maps)
          .setEvaluator(evaluator).setNumFolds(config.folds()).setFoldCol(FOLD).setParallelism(config.parallelism())
          .setSeed(config.seed()).fit(folded);
      best = (PipelineModel) cv.bestModel();
      metrics = cv.avgMetrics();
    } else {
      TrainValidationSplitModel split = new TrainValidationSplit().setEstimator(pipeline)
          .setEstimatorParamMaps(maps).setEvaluator(evaluator).setTrainRatio(config.trainRatio())
          .setParallelism(config.parallelism()).setSeed(config.seed()).fit(train);
      best = (PipelineModel) split.bestModel();
      metrics = split.validationMetrics();
    }
    List<Candidate> candidates = new ArrayList<>();
    int bestIndex = 0;
    for (int i = 0; i < maps.length; i++) {
      Map<String, String> values = new LinkedHashMap<>();
      for (var pair : maps[i].toList()) {
        values.put(pair.param().name(), ModelTrainer.render(pair.value()));
      }
      candidates.add(new Candidate(values, metrics[i]));
      boolean better = evaluator.isLargerBetter() ? metrics[i] > metrics[bestIndex] : metrics[i] < metrics[bestIndex];
      if (better) {
        bestIndex = i;
      }
    }
    return new Result(best, metric, evaluator.isLargerBetter(), candidates, bestIndex, rows);
  }

  static Evaluator evaluator(String metric, Task task, String label) {
    return switch (metric) {
      case "auc_roc", "auc_pr" -> new BinaryClassificationEvaluator().setLabelCol(label)
          .setRawPredictionCol("rawPrediction").setMetricName("auc_roc".equals(metric) ? "areaUnderROC"
              : "areaUnderPR");
      case "accuracy", "f1", "log_loss" -> {
        MulticlassClassificationEvaluator evaluator = new MulticlassClassificationEvaluator().setLabelCol(label)
            .setPredictionCol("prediction");
        if ("log_loss".equals(metric)) {
          evaluator.setMetricName("logLoss").setProbabilityCol("probability");
        } else if ("f1".equals(metric) && task == Task.BINARY) {
          // The positive class's F1, as the held-out metrics report it.
          evaluator.setMetricName("fMeasureByLabel").setMetricLabel(1.0);
        } else {
          evaluator.setMetricName(metric);
        }
        yield evaluator;
      }
      case "rmse", "mae", "r2" -> new RegressionEvaluator().setLabelCol(label).setPredictionCol("prediction")
          .setMetricName(metric);
      default -> throw new IllegalArgumentException("unknown metric " + metric);
    };
  }

  /**
   * The candidates: every combination of the space's lists (grid), or {@code trials} of them drawn with the seed
   * (random: without repetition when every parameter is a list; ranges are drawn uniformly or log-uniformly).
   */
  static ParamMap[] paramMaps(TuningConfig config, Predictor<?, ?, ?> estimator) {
    List<String> names = new ArrayList<>(config.space().keySet());
    boolean ranges = config.space().values().stream().anyMatch(s -> s.range().isPresent());
    List<ParamMap> maps = new ArrayList<>();
    Random random = new Random(config.seed());
    if (!ranges) {
      List<List<String>> combinations = new ArrayList<>();
      combinations.add(List.of());
      for (String name : names) {
        List<List<String>> extended = new ArrayList<>();
        for (List<String> prefix : combinations) {
          for (String value : config.space().get(name).values()) {
            List<String> next = new ArrayList<>(prefix);
            next.add(value);
            extended.add(next);
          }
        }
        combinations = extended;
      }
      if ("random".equals(config.method())) {
        Collections.shuffle(combinations, random);
        combinations = combinations.subList(0, Math.min(config.trials(), combinations.size()));
      }
      for (List<String> combination : combinations) {
        ParamMap map = new ParamMap();
        for (int i = 0; i < names.size(); i++) {
          put(map, estimator.getParam(names.get(i)), combination.get(i));
        }
        maps.add(map);
      }
    } else {
      for (int trial = 0; trial < config.trials(); trial++) {
        ParamMap map = new ParamMap();
        for (String name : names) {
          ParamSpace space = config.space().get(name);
          Param<?> param = estimator.getParam(name);
          Optional<ParamRange> range = space.range();
          put(map, param, range.isPresent() ? draw(range.get(), param, random)
              : space.values().get(random.nextInt(space.values().size())));
        }
        maps.add(map);
      }
    }
    return maps.toArray(ParamMap[]::new);
  }

  private static String draw(ParamRange range, Param<?> param, Random random) {
    double u = random.nextDouble();
    double x = range.log()
        ? Math.exp(Math.log(range.min()) + u * (Math.log(range.max()) - Math.log(range.min())))
        : range.min() + u * (range.max() - range.min());
    if (param instanceof IntParam || param instanceof LongParam) {
      return String.valueOf(Math.round(x));
    }
    if (param instanceof DoubleParam || param instanceof FloatParam) {
      return String.valueOf(x);
    }
    throw new IllegalArgumentException(param.name() + " is not numeric: give it a list of values");
  }

  @SuppressWarnings("unchecked")
  private static void put(ParamMap map, Param<?> param, String value) {
    map.put((Param<Object>) param, Algorithm.typed(param, value));
  }
}

package dev.kiln.retrain;

import dev.kiln.config.PipelineConfig.RetrainingConfig;
import dev.kiln.evaluate.Evaluation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a challenger replaces the champion, from their evaluations on the same held-out rows.
 *
 * <p>Every check is run and reported, so a refusal lists all its reasons: enough held-out rows
 * ({@code min-test-rows}); the deciding metric better by at least {@code margin} (in the metric's direction); for
 * classifiers, no class's recall lower than the champion's by more than {@code max-recall-drop}. Without a champion
 * only the row count applies. Pure: no Spark, no registry.
 */
public final class PromotionGate {

  /** Metrics where smaller is better; every other metric Kiln reports is larger-is-better. */
  public static final Set<String> LOWER_IS_BETTER = Set.of("rmse", "mae", "mse", "log_loss", "max_abs_error");

  /** What the gate found. */
  public record Verdict(String metric, double challengerValue, Optional<Double> championValue, boolean promote,
      List<String> reasons) {}

  private final RetrainingConfig config;

  public PromotionGate(RetrainingConfig config) {
    this.config = config;
  }

  /** The metric that decides for a task ({@code binary}, {@code multiclass}, {@code regression}). */
  public String metricFor(String task) {
    if (!"auto".equals(config.metric())) {
      return config.metric();
    }
    return switch (task) {
      case "binary" -> "auc_roc";
      case "multiclass" -> "f1";
      default -> "rmse";
    };
  }

  public Verdict judge(Evaluation challenger, Optional<Evaluation> champion) {
    String metric = metricFor(challenger.task());
    List<String> reasons = new ArrayList<>();
    boolean promote = true;
    Double challengerValue = challenger.metrics().get(metric);
    if (challengerValue == null) {
      throw new dev.kiln.errors.InvalidConfigException(List.of(new dev.kiln.errors.ConfigProblem("the evaluation",
          "retraining.metric", "'" + metric + "' is not a " + challenger.task() + " metric; the evaluation has "
              + String.join(", ", challenger.metrics().keySet()))));
    }
    long rows = Math.round(challenger.metrics().getOrDefault("test_rows", 0.0));
    if (rows < config.minTestRows()) {
      promote = false;
      reasons.add(String.format(Locale.ROOT, "held-out rows: %,d, fewer than min-test-rows %,d: too few to decide",
          rows, config.minTestRows()));
    } else {
      reasons.add(String.format(Locale.ROOT, "held-out rows: %,d (min-test-rows %,d)", rows, config.minTestRows()));
    }
    if (champion.isEmpty()) {
      reasons.add("no champion: the challenger takes the alias if the checks above pass");
      return new Verdict(metric, challengerValue, Optional.empty(), promote, reasons);
    }
    double championValue = champion.get().metrics().getOrDefault(metric, Double.NaN);
    boolean lower = LOWER_IS_BETTER.contains(metric);
    double gain = lower ? championValue - challengerValue : challengerValue - championValue;
    if (Double.isNaN(challengerValue) || Double.isNaN(gain)) {
      promote = false;
      reasons.add(metric + " is not defined on these rows (challenger " + challengerValue + ", champion "
          + championValue + ")");
    } else if (gain >= config.margin()) {
      reasons.add(String.format(Locale.ROOT, "%s %.4f vs champion %.4f: better by %.4f >= margin %s", metric,
          challengerValue, championValue, gain, config.margin()));
    } else {
      promote = false;
      reasons.add(String.format(Locale.ROOT, "%s %.4f vs champion %.4f: %s by %.4f, short of margin %s", metric,
          challengerValue, championValue, gain >= 0 ? "better" : "worse", Math.abs(gain), config.margin()));
    }
    Map<String, Double> before = recalls(champion.get());
    Map<String, Double> after = recalls(challenger);
    for (Map.Entry<String, Double> entry : before.entrySet()) {
      Double now = after.get(entry.getKey());
      if (now == null || Double.isNaN(entry.getValue())) {
        continue;
      }
      double drop = entry.getValue() - now;
      if (drop > config.maxRecallDrop()) {
        promote = false;
        reasons.add(String.format(Locale.ROOT, "guardrail: recall of class %s falls from %.4f to %.4f, by more than "
            + "max-recall-drop %s", entry.getKey(), entry.getValue(), now, config.maxRecallDrop()));
      }
    }
    if (!before.isEmpty() && reasons.stream().noneMatch(r -> r.startsWith("guardrail"))) {
      reasons.add(String.format(Locale.ROOT, "guardrail: no class's recall falls by more than %s",
          config.maxRecallDrop()));
    }
    return new Verdict(metric, challengerValue, Optional.of(championValue), promote, reasons);
  }

  /** Recall per class name, from the confusion matrix (counts[actual][predicted]); empty for regression. */
  static Map<String, Double> recalls(Evaluation evaluation) {
    Map<String, Double> recalls = new LinkedHashMap<>();
    evaluation.confusion().ifPresent(matrix -> {
      for (int actual = 0; actual < matrix.classes().size(); actual++) {
        long total = 0;
        for (long count : matrix.counts()[actual]) {
          total += count;
        }
        recalls.put(matrix.classes().get(actual), total == 0 ? Double.NaN
            : (double) matrix.counts()[actual][actual] / total);
      }
    });
    return recalls;
  }
}

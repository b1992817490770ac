package dev.kiln.registry;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What gated retraining decided about a challenger, and why: kept in the registry beside the alias it moved (or did
 * not move), so "why is version 7 serving?" has an answer.
 *
 * @param championVersion the version the alias pointed at when the challenger was judged; empty when there was none
 * @param challengerVersion the registered challenger
 * @param metric the held-out metric that decided, e.g. {@code auc_roc}
 * @param championValue the champion's value of {@code metric} on the comparison rows; empty without a champion
 * @param challengerValue the challenger's value on the same rows
 * @param margin how much better the challenger had to be
 * @param promoted whether the alias was moved to the challenger
 * @param reasons every check and its outcome, in order, e.g. {@code auc_roc 0.8123 vs 0.7412: better by 0.0711 >=
 *     0.005}
 * @param testRows the held-out rows both were measured on
 * @param data what the challenger was trained on
 */
public record PromotionDecision(String name, String alias, Instant decidedAt, String runId,
    Optional<Long> championVersion, long challengerVersion, String metric, Optional<Double> championValue,
    double challengerValue, double margin, boolean promoted, List<String> reasons, long testRows, String data) {

  public PromotionDecision {
    reasons = List.copyOf(reasons);
  }

  /** One line: {@code promoted churn@7 over @6 (auc_roc 0.81 vs 0.74)} or {@code kept churn@6 ...}. */
  public String summary() {
    String values = championValue.map(c -> String.format(java.util.Locale.ROOT, "%s %.4f vs %.4f", metric,
        challengerValue, c)).orElse(String.format(java.util.Locale.ROOT, "%s %.4f, no champion", metric,
        challengerValue));
    return promoted
        ? "promoted " + name + "@" + challengerVersion + " to " + alias
            + championVersion.map(v -> " over @" + v).orElse("") + " (" + values + ")"
        : "kept " + name + "@" + alias + championVersion.map(v -> " = @" + v).orElse("") + ": challenger @"
            + challengerVersion + " not promoted (" + values + ")";
  }
}

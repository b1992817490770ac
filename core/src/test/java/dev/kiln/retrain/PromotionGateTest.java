package dev.kiln.retrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig.RetrainingConfig;
import dev.kiln.evaluate.Evaluation;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PromotionGateTest {

  private static final RetrainingConfig CONFIG = new RetrainingConfig("champion", "since-champion", "auto", 0.01,
      0.05, 100);

  @Test
  void aChallengerBetterByTheMarginWithNoRecallLostIsPromoted() {
    PromotionGate.Verdict verdict = new PromotionGate(CONFIG).judge(binary(0.80, 500, 80, 20, 30, 70),
        Optional.of(binary(0.78, 500, 78, 22, 31, 69)));
    assertTrue(verdict.promote(), verdict.reasons().toString());
    assertEquals("auc_roc", verdict.metric());
    assertEquals(0.78, verdict.championValue().orElseThrow(), 1e-12);
    assertTrue(verdict.reasons().get(1).startsWith("auc_roc 0.8000 vs champion 0.7800: better by 0.0200 >= margin"),
        verdict.reasons().toString());
  }

  @Test
  void everyFailedCheckIsAReason() {
    // Better by less than the margin, too few rows, and class 1's recall falls from 0.70 to 0.50.
    PromotionGate.Verdict verdict = new PromotionGate(CONFIG).judge(binary(0.785, 60, 90, 10, 50, 50),
        Optional.of(binary(0.78, 60, 80, 20, 30, 70)));
    assertFalse(verdict.promote());
    assertEquals(3, verdict.reasons().stream().filter(r -> r.contains("fewer than") || r.contains("short of")
        || r.startsWith("guardrail: recall of class 1 falls from 0.7000 to 0.5000")).count(),
        verdict.reasons().toString());
  }

  @Test
  void lowerIsBetterForErrorsAndTheFirstModelNeedsOnlyEnoughRows() {
    RetrainingConfig regression = new RetrainingConfig("champion", "all", "auto", 0.5, 0.05, 100);
    Evaluation better = new Evaluation("regression", Map.of("rmse", 9.0, "test_rows", 300.0), List.of(), List.of(),
        Optional.empty(), Optional.empty());
    Evaluation champion = new Evaluation("regression", Map.of("rmse", 10.0, "test_rows", 300.0), List.of(),
        List.of(), Optional.empty(), Optional.empty());
    assertTrue(new PromotionGate(regression).judge(better, Optional.of(champion)).promote());
    assertFalse(new PromotionGate(regression).judge(champion, Optional.of(better)).promote());
    PromotionGate.Verdict first = new PromotionGate(regression).judge(champion, Optional.empty());
    assertTrue(first.promote(), first.reasons().toString());
    assertTrue(first.championValue().isEmpty());
  }

  @Test
  void anUnknownMetricIsAConfigError() {
    RetrainingConfig typo = new RetrainingConfig("champion", "all", "auc", 0.01, 0.05, 1);
    dev.kiln.errors.InvalidConfigException error = org.junit.jupiter.api.Assertions.assertThrows(
        dev.kiln.errors.InvalidConfigException.class, () -> new PromotionGate(typo).judge(binary(0.8, 500, 1, 1, 1, 1),
            Optional.empty()));
    assertTrue(error.getMessage().contains("retraining.metric: 'auc' is not a binary metric"), error.getMessage());
  }

  /** A binary evaluation with its confusion matrix: rows actual 0 then 1, columns predicted 0 then 1. */
  private static Evaluation binary(double auc, long rows, long tn, long fp, long fn, long tp) {
    return new Evaluation("binary", Map.of("auc_roc", auc, "test_rows", (double) rows), List.of(), List.of(),
        Optional.of(new Evaluation.ConfusionMatrix(List.of("0", "1"), new long[][] {{tn, fp}, {fn, tp}})),
        Optional.empty());
  }
}

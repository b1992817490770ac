package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The peer comparison's verdicts, table and parsing, on hand-made results; the benchmark never runs in a build. */
class PeerTableTest {

  private static PeerFit auc(double seconds, double auc) {
    return new PeerFit(seconds, Map.of("auc_roc", auc, "accuracy", 0.8), 800, 200);
  }

  private static PeerFit r2(double seconds, double r2) {
    return new PeerFit(seconds, Map.of("r2", r2, "rmse", 30.0), 800, 200);
  }

  @Test
  void mediansDifferencesAndTheTargetsOfOneRow() {
    PeerResult r = new PeerResult(1_000_000, PeerModel.LOGISTIC, List.of(auc(9, 0.70), auc(1, 0.70), auc(3, 0.70)),
        List.of(auc(2, 0.704), auc(4, 0.704), auc(6, 0.704)));
    assertEquals(3.0, r.kilnSeconds());
    assertEquals(4.0, r.sklearnSeconds());
    assertEquals(4.0 / 3.0, r.timeRatio(), 1e-12);
    assertEquals(-0.4, r.differencePoints(), 1e-9);
    assertTrue(r.metricMet(), "0.4 points below is within half a point");
    assertEquals(Optional.empty(), r.timeMet(), "no time target below 10 million rows");

    PeerResult worse = new PeerResult(10_000_000, PeerModel.XGBOOST_REGRESSION, List.of(r2(50, 0.100)),
        List.of(r2(40, 0.106)));
    assertFalse(worse.metricMet(), "0.6 points below");
    assertEquals(Optional.of(false), worse.timeMet(), "slower at 10 million rows");
    assertEquals("r2", worse.model().metric());

    PeerResult faster = new PeerResult(30_000_000, PeerModel.XGBOOST, List.of(auc(30, 0.72)), List.of(auc(31, 0.70)));
    assertEquals(Optional.of(true), faster.timeMet());
    assertTrue(faster.metricMet());
  }

  @Test
  void theTableShowsEveryRowWithItsVerdicts() {
    List<PeerResult> results = List.of(
        new PeerResult(1_000_000, PeerModel.XGBOOST, List.of(auc(10, 0.6712)), List.of(auc(5, 0.6650))),
        new PeerResult(30_000_000, PeerModel.XGBOOST, List.of(auc(250, 0.6800), auc(260, 0.6800)),
            List.of(auc(400, 0.6900), auc(420, 0.6900))));
    String table = PeerTable.markdown(results);
    assertTrue(table.contains("| 1,000,000 | boosted trees: delayed | 10.00 s | 5.00 s | 0.50× | AUC-ROC 0.6712 "
        + "| AUC-ROC 0.6650 | +0.62 | metric pass; time (info below 10,000,000 rows) |"), table);
    assertTrue(table.contains("| 30,000,000 | boosted trees: delayed | 255.00 s (250.0, 260.0) | 410.00 s (400.0, "
        + "420.0) | 1.61× | AUC-ROC 0.6800 | AUC-ROC 0.6900 | -1.00 | metric **FAIL**; time pass |"), table);
    assertFalse(PeerTable.passes(results));
    assertEquals(1, PeerTable.missed(results).size(), PeerTable.missed(results).toString());
    assertTrue(PeerTable.missed(results).get(0).contains("more than 0.5 points below"));
  }

  @Test
  void kilnsFitTimeMayGrowAtMostLinearlyPlusTenPercent() {
    List<PeerResult> linear = List.of(
        new PeerResult(1_000_000, PeerModel.LOGISTIC, List.of(auc(10, 0.7)), List.of(auc(5, 0.7))),
        new PeerResult(3_000_000, PeerModel.LOGISTIC, List.of(auc(25, 0.7)), List.of(auc(15, 0.7))),
        new PeerResult(30_000_000, PeerModel.LOGISTIC, List.of(auc(320, 0.7)), List.of(auc(330, 0.7))));
    List<PeerTable.Scaling> checks = PeerTable.scaling(linear);
    assertEquals(1, checks.size());
    PeerTable.Scaling s = checks.get(0);
    assertEquals(1_000_000, s.smallest().size());
    assertEquals(30_000_000, s.largest().size());
    assertEquals(32.0, s.growth(), 1e-12);
    assertEquals(33.0, s.limit(), 1e-9);
    assertTrue(s.passes());
    assertEquals(66.0, s.sklearnGrowth(), 1e-12);
    assertTrue(PeerTable.passes(linear));
    assertTrue(PeerTable.scalingMarkdown(checks).contains(
        "| logistic regression: delayed | 10.00 s (1,000,000 rows) | 320.00 s (30,000,000 rows) | 32.00× | 30.00× "
            + "| ≤ 33.00× | pass | 66.00× |"), PeerTable.scalingMarkdown(checks));

    List<PeerResult> steeper = List.of(linear.get(0),
        new PeerResult(30_000_000, PeerModel.LOGISTIC, List.of(auc(340, 0.7)), List.of(auc(400, 0.7))));
    assertFalse(PeerTable.scaling(steeper).get(0).passes());
    assertFalse(PeerTable.passes(steeper));
    assertTrue(PeerTable.missed(steeper).get(0).contains("grew 34.00× from 1,000,000 to 30,000,000 rows"),
        PeerTable.missed(steeper).toString());

    assertTrue(PeerTable.scaling(List.of(linear.get(0))).isEmpty(), "one size: nothing to compare");
    assertTrue(PeerTable.scalingMarkdown(List.of()).contains("not checked"));
  }

  @Test
  void thePeersAnswerIsItsLastLine() {
    PeerFit fit = PeerFit.parse("""
        some warning on stdout
        {"model": "hgb", "task": "binary", "fit_seconds": 12.5, "load_seconds": 0.1, "train_rows": 800, \
        "test_rows": 200, "threads": 2, "metrics": {"auc_roc": 0.66, "log_loss": 0.48}}
        """);
    assertEquals(12.5, fit.seconds());
    assertEquals(800, fit.trainRows());
    assertEquals(200, fit.testRows());
    assertEquals(0.66, fit.metric(PeerModel.XGBOOST));
    assertEquals("auc_roc 0.6600, log_loss 0.4800", fit.describeMetrics());
    assertThrows(IllegalStateException.class, () -> fit.metric(PeerModel.XGBOOST_REGRESSION), "no r2");
    assertThrows(IllegalStateException.class, () -> PeerFit.parse("Traceback (most recent call last):"));
    assertThrows(IllegalStateException.class, () -> PeerFit.parse("{\"metrics\": {}}"));
  }

  @Test
  void theCommandLine() {
    PeerComparisonOptions defaults = PeerComparisonOptions.parse();
    assertEquals(List.of(1_000_000L, 3_000_000L, 10_000_000L, 30_000_000L), defaults.sizes());
    assertEquals(List.of(PeerModel.values()), defaults.models());
    assertEquals(2, defaults.cores());
    assertEquals(1, defaults.runs());
    assertEquals(100_000, defaults.warmupRows());
    assertTrue(defaults.data().isEmpty());

    PeerComparisonOptions small = PeerComparisonOptions.parse("--sizes", "200_000,100000", "--models",
        "xgboost-regression,logistic", "--runs", "3", "--data", "x.parquet");
    assertEquals(List.of(100_000L, 200_000L), small.sizes());
    assertEquals(List.of(PeerModel.XGBOOST_REGRESSION, PeerModel.LOGISTIC), small.models());
    assertEquals(3, small.runs());
    assertEquals("x.parquet", small.data().orElseThrow().toString());

    assertThrows(PeerComparisonOptions.HelpRequested.class, () -> PeerComparisonOptions.parse("--help"));
    assertThrows(IllegalArgumentException.class, () -> PeerComparisonOptions.parse("--sizes", "500"));
    assertThrows(IllegalArgumentException.class, () -> PeerComparisonOptions.parse("--warmup-rows", "500"));
    assertEquals(0, PeerComparisonOptions.parse("--warmup-rows", "0").warmupRows());
    assertThrows(IllegalArgumentException.class, () -> PeerComparisonOptions.parse("--models", "svm"));
    assertThrows(IllegalArgumentException.class, () -> PeerComparisonOptions.parse("--runs", "two"));
    assertThrows(IllegalArgumentException.class, () -> PeerComparisonOptions.parse("--cores"));
  }
}

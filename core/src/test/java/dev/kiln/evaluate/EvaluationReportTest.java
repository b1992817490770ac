package dev.kiln.evaluate;

import static dev.kiln.testing.ReportPages.count;
import static dev.kiln.testing.ReportPages.element;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.evaluate.Evaluation.Bin;
import dev.kiln.evaluate.Evaluation.ConfusionMatrix;
import dev.kiln.evaluate.Evaluation.Point;
import dev.kiln.evaluate.Evaluation.Residuals;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The evaluation report's markup, without a browser (EvaluationReportIT renders it in Chromium). */
class EvaluationReportTest {

  static final String EVIL = "<script>alert('x')</script>";

  static final EvaluationReport.About ABOUT = new EvaluationReport.About("churn", 3,
      "stratified by churned, hash of all columns, seed 42, test fraction 0.2", "delta file:/w/<i>clean</i> @ 4",
      Instant.parse("2024-05-01T10:00:00Z"));

  /** Hand-made importances, largest first, one of them named with markup. */
  static final List<Map.Entry<String, Double>> IMPORTANCES = List.of(Map.entry("tenure_months", 0.42),
      Map.entry("contract_two_year", 0.21), Map.entry(EVIL, 0.05), Map.entry("age", 0.0));

  static Evaluation binary() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("auc_roc", 0.8125);
    metrics.put("auc_pr", 0.7);
    metrics.put("accuracy", 0.75);
    metrics.put("test_rows", 400.0);
    metrics.put("confusion.0.0", 200.0);
    return new Evaluation("binary", metrics,
        List.of(new Point(0, 0), new Point(0.1, 0.5), new Point(0.4, 0.9), new Point(1, 1)),
        List.of(new Point(0, 1), new Point(0.5, 0.8), new Point(1, 0.25)),
        Optional.of(new ConfusionMatrix(List.of("0", "1"), new long[][] {{200, 100}, {0, 100}})), Optional.empty());
  }

  static Evaluation multiclass() {
    return new Evaluation("multiclass", Map.of("accuracy", 0.7, "test_rows", 10.0), List.of(), List.of(),
        Optional.of(new ConfusionMatrix(List.of("adelie", EVIL, "gentoo"),
            new long[][] {{3, 1, 0}, {1, 2, 0}, {0, 1, 2}})), Optional.empty());
  }

  static Evaluation regression() {
    List<Point> sample = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      sample.add(new Point(i, i + (i % 5) - 2));
    }
    return new Evaluation("regression", Map.of("rmse", 1.41, "r2", 0.98, "test_rows", 50.0), List.of(), List.of(),
        Optional.empty(), Optional.of(new Residuals(List.of(new Bin(-2, -1, 10), new Bin(-1, 0, 10),
            new Bin(0, 1, 10), new Bin(1, 2, 20)), sample)));
  }

  @Test
  void aBinaryReportHasItsCurvesConfusionMatrixMetricsAndImportances() {
    String html = EvaluationReport.render(binary(), ABOUT, IMPORTANCES);
    assertTrue(html.startsWith("<!DOCTYPE html>"), html);
    assertTrue(html.contains("<title>Evaluation of churn v3</title>"), html);
    assertTrue(svg(html, "roc-curve", "chart curve roc"), "the ROC curve");
    assertTrue(svg(html, "pr-curve", "chart curve pr"), "the PR curve");
    assertTrue(element(html, "roc-curve").contains("<polyline class=\"curve\" fill=\"none\" points=\"52.0,270.0 "
        + "78.0,140.0 156.0,36.0 312.0,10.0\"/>"), element(html, "roc-curve"));
    // The PR curve's chance line is the positive rate: 100 of 400 rows.
    assertTrue(element(html, "pr-curve").contains("<line class=\"reference\" x1=\"52.0\" y1=\"205.0\" x2=\"312.0\" "
        + "y2=\"205.0\"/>"), element(html, "pr-curve"));
    assertTrue(html.contains("ROC curve · AUC 0.8125"), "the area beside its curve");
    String confusion = element(html, "confusion-matrix");
    assertEquals(4, count(confusion, "<rect class=\"cell\""), confusion);
    assertTrue(confusion.contains("actual 0, predicted 1: 100 rows (33.3% of 0)"), confusion);
    assertTrue(html.contains("<tr data-metric=\"auc_roc\"><td class=\"name\">auc_roc</td><td>0.8125</td>"), html);
    assertTrue(html.contains("<tr data-metric=\"test_rows\"><td class=\"name\">test_rows</td><td>400</td>"), html);
    assertFalse(html.contains("data-metric=\"confusion.0.0\""), "cells are drawn, not listed");
    assertFalse(html.contains("id=\"per-class\""), "a binary model's classes are in its metrics");
    assertTrue(html.contains("Split: stratified by churned"), html);

    String bars = element(html, "feature-importances");
    assertEquals(4, count(bars, "<rect class=\"track\""), bars);
    assertEquals(3, count(bars, "<rect class=\"bar\""), "a zero importance has no bar: " + bars);
    assertTrue(bars.indexOf("tenure_months") < bars.indexOf("contract_two_year"), "in the caller's order");
    assertTrue(bars.contains("width=\"260.0\" height=\"14.0\"><title>tenure_months: 0.420000"),
        "the largest fills its track: " + bars);
  }

  @Test
  void aMulticlassReportHasItsMatrixAndPerClassTableAndEscapesClassNames() {
    String html = EvaluationReport.render(multiclass(), ABOUT, List.of());
    assertTrue(svg(html, "confusion-matrix", "chart confusion"), html);
    assertEquals(9, count(element(html, "confusion-matrix"), "<rect class=\"cell\""));
    assertTrue(html.contains("<table id=\"per-class\""), html);
    assertFalse(html.contains("id=\"roc-curve\""), "no curves for a multiclass model");
    assertTrue(html.contains("no feature importances were given"), html);
    assertNoMarkupFromData(html);
  }

  @Test
  void aRegressionReportHasItsScatterAndResidualHistogram() {
    String html = EvaluationReport.render(regression(), ABOUT, IMPORTANCES);
    String scatter = element(html, "predicted-vs-actual");
    assertTrue(scatter.contains("class=\"chart scatter\""), scatter);
    assertEquals(50, count(scatter, "<circle class=\"dot\""), scatter);
    assertTrue(scatter.contains("<line class=\"reference\""), "the line where predicted equals actual");
    String histogram = element(html, "residuals");
    assertEquals(4, count(histogram, "<rect class=\"bar\""), histogram);
    assertFalse(html.contains("confusion-matrix"), html);
    assertNoMarkupFromData(html);
  }

  private static void assertNoMarkupFromData(String html) {
    String lower = html.toLowerCase(Locale.ROOT);
    assertFalse(lower.contains("<script"), "no script element");
    assertTrue(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""), "the policy");
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
        || html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/scri…"), "shown as text");
    assertTrue(html.contains("delta file:/w/&lt;i&gt;clean&lt;/i&gt; @ 4"), "the input is text");
  }

  static boolean svg(String html, String id, String cssClass) {
    return Pattern.compile("<svg [^>]*id=\"" + Pattern.quote(id) + "\" class=\"" + Pattern.quote(cssClass) + "\"")
        .matcher(html).find();
  }
}

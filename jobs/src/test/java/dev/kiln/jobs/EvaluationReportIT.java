package dev.kiln.jobs;

import static dev.kiln.testing.ReportPages.count;
import static dev.kiln.testing.ReportPages.element;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.evaluate.Evaluation;
import dev.kiln.evaluate.EvaluationReport;
import dev.kiln.evaluate.RegressionMetrics;
import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.report.ReportFile;
import dev.kiln.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation reports as a browser shows them: headless Chromium (installed by
 * {@code testing/chromium/ensure-chromium.sh} when missing) loads them, dumps the DOM it built and takes a
 * screenshot. The pages, DOMs and screenshots stay in {@code target/evaluation-report-it/} for a person to look at.
 */
class EvaluationReportIT {

  @TempDir
  Path dir;

  /**
   * {@code kiln train} writes the report of the version it registers to the warehouse, {@code kiln evaluate
   * --report} writes one where it is told; both show a model that learnt (AUC well above chance), its curves and
   * its confusion matrix.
   */
  @Test
  void trainAndEvaluateWriteAReportWithCurvesAndAConfusionMatrix() throws IOException, InterruptedException {
    Path out = Path.of("target", "evaluation-report-it").toAbsolutePath();
    HeadlessChromium chromium = HeadlessChromium.ensure(out);
    Path conf = dir.resolve("churn.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = churn-eval
        source { format = generated, generated { rows = 4000, seed = 11 } }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, support_calls, age]
          categorical = [plan, contract]
        }
        model.params { maxIter = 30 }
        evaluation { split = stratified, test-fraction = 0.25 }
        spark.partitions = 2
        """.formatted(dir.resolve("warehouse")));
    for (String step : new String[] {"sample", "clean", "train"}) {
      KilnCli.Outcome outcome = KilnCli.run(step, conf.toString());
      assertEquals(0, outcome.exitCode(), outcome.toString());
      if (step.equals("train")) {
        String expected = "file:" + dir.resolve("warehouse/pipelines/churn-eval/reports/evaluation-churn-eval-v1.html");
        assertTrue(outcome.out().contains("report     " + expected), outcome.out());
        assertTrue(Files.isRegularFile(Path.of(java.net.URI.create(expected))), expected);
      }
    }
    Path page = out.resolve("binary.html");
    KilnCli.Outcome evaluated = KilnCli.run("evaluate", conf.toString(), "--model", "churn-eval@1", "--report",
        page.toString());
    assertEquals(0, evaluated.exitCode(), evaluated.toString());
    assertTrue(evaluated.out().contains("report     file:" + page), evaluated.out());
    assertTrue(evaluated.out().contains("stratified by churned"), evaluated.out());
    try (var listing = Files.list(out)) {
      assertTrue(listing.noneMatch(p -> p.getFileName().toString().startsWith(".binary.html")),
          "no temporary file is left beside the report");
    }

    String dom = chromium.dumpDom(page);
    Files.writeString(out.resolve("binary.dom.html"), dom);
    assertTrue(dom.contains("<title>Evaluation of churn-eval v1</title>"), "the page's own title");
    Matcher auc = Pattern.compile("ROC curve · AUC (0\\.\\d{4})").matcher(dom);
    assertTrue(auc.find(), "the area is shown with its curve");
    assertTrue(Double.parseDouble(auc.group(1)) > 0.7, "the model learnt: AUC " + auc.group(1));
    String roc = element(dom, "roc-curve");
    assertTrue(roc.contains("class=\"chart curve roc\""), roc);
    Matcher points = Pattern.compile("<polyline class=\"curve\" fill=\"none\" points=\"([^\"]+)\"").matcher(roc);
    assertTrue(points.find(), roc);
    int drawn = points.group(1).split(" ").length;
    assertTrue(drawn > 50 && drawn <= Evaluation.CURVE_POINTS, "a curve of many points, down-sampled: " + drawn);
    assertTrue(element(dom, "pr-curve").contains("<polyline class=\"curve\""), "the precision-recall curve");
    assertEquals(4, count(element(dom, "confusion-matrix"), "<rect class=\"cell\""), "a 2 x 2 confusion matrix");
    assertTrue(dom.contains("<table id=\"metrics\""), "the metrics table");
    // The jobs give the model's coefficients (FeatureImportances), named by feature.
    String importances = element(dom, "feature-importances");
    assertTrue(count(importances, "<rect class=\"bar\"") >= 6, importances);
    assertTrue(importances.contains("tenure_months") && importances.contains("plan="), importances);
    assertFalse(dom.toLowerCase(Locale.ROOT).contains("<script"), "no script element in the DOM");
    // The darkest cell of the confusion matrix: the largest share of a row.
    Matcher fills = Pattern.compile("fill=\"#([0-9a-f]{6})\"").matcher(element(dom, "confusion-matrix"));
    int darkest = 0xffffff;
    while (fills.find()) {
      int fill = Integer.parseInt(fills.group(1), 16);
      darkest = (fill & 0xff) + (fill >> 8 & 0xff) < (darkest & 0xff) + (darkest >> 8 & 0xff) ? fill : darkest;
    }
    assertColourful(chromium, page, out.resolve("binary.png"), 0x4c72b0, darkest);
  }

  /**
   * A regression model's page — Spark's linear regression fitted on generated data, measured by Kiln's metrics — with
   * hand-made feature importances (extracting them is another class's work): the scatter, the residual histogram
   * and the importance bars, in a browser.
   */
  @Test
  void aRegressionReportShowsItsScatterResidualsAndImportances() throws IOException, InterruptedException {
    Path out = Path.of("target", "evaluation-report-it").toAbsolutePath();
    HeadlessChromium chromium = HeadlessChromium.ensure(out);
    SparkSession spark = SharedSpark.session();
    Dataset<Row> rows = new VectorAssembler().setInputCols(new String[] {"tenure", "monthly"}).setOutputCol("features")
        .transform(spark.range(3000).selectExpr("id", "cast(id % 72 as double) as tenure",
            "35.0D + (id * 7 % 60) as monthly",
            "20.0D * (id % 72) + 3.0D * (35 + id * 7 % 60) + (hash(id) % 100) / 10.0D as total"));
    Dataset<Row> predictions = new LinearRegression().setLabelCol("total").fit(rows.filter("id % 10 >= 3"))
        .transform(rows.filter("id % 10 < 3"));
    Evaluation evaluation = RegressionMetrics.evaluate(predictions, "total");
    assertTrue(evaluation.metrics().get("r2") > 0.99, "the model learnt: " + evaluation.metrics());

    Path page = out.resolve("regression.html");
    String script = "<script>document.title='pwned'</script>";
    ReportFile.write("file:" + page, EvaluationReport.render(evaluation, new EvaluationReport.About("charges", 7,
            "hash of all columns, seed 42, test fraction 0.3", "generated " + script, Instant.now()),
        List.of(Map.entry("tenure", 0.81), Map.entry("monthly", 0.17), Map.entry(script, 0.02))),
        spark.sparkContext().hadoopConfiguration());

    String dom = chromium.dumpDom(page);
    Files.writeString(out.resolve("regression.dom.html"), dom);
    String scatter = element(dom, "predicted-vs-actual");
    long dots = count(scatter, "<circle class=\"dot\"");
    assertEquals(Math.min(Evaluation.SCATTER_POINTS, evaluation.metrics().get("test_rows").longValue()), dots,
        "a point per sampled row");
    assertTrue(count(element(dom, "residuals"), "<rect class=\"bar\"") >= 10, "the residuals' histogram");
    String bars = element(dom, "feature-importances");
    assertEquals(3, count(bars, "<rect class=\"bar\""), bars);
    assertFalse(dom.toLowerCase(Locale.ROOT).contains("<script"), "no script element in the DOM");
    assertTrue(dom.contains("<title>Evaluation of charges v7</title>"), "the title is unchanged");
    assertColourful(chromium, page, out.resolve("regression.png"), 0x4c72b0);
  }

  /** The page as a PNG: a real image, many colours, among them each of {@code expected}. */
  private static void assertColourful(HeadlessChromium chromium, Path page, Path png, int... expected)
      throws IOException, InterruptedException {
    chromium.screenshot(page, png, 1200, 1800);
    dev.kiln.testing.ReportPages.assertColourful(png, 1200, 1800, 20_000, expected);
  }
}

package dev.kiln.evaluate;

import static dev.kiln.report.HtmlPage.cell;
import static dev.kiln.report.HtmlPage.meta;
import static dev.kiln.report.Svg.escape;
import static dev.kiln.report.Svg.number;
import static dev.kiln.report.Svg.shorten;

import dev.kiln.evaluate.Evaluation.ConfusionMatrix;
import dev.kiln.evaluate.Evaluation.Point;
import dev.kiln.report.BarChart;
import dev.kiln.report.Colours;
import dev.kiln.report.Histogram;
import dev.kiln.report.HtmlPage;
import dev.kiln.report.Svg;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model's evaluation as one self-contained HTML page, drawn with the profile report's machinery
 * ({@code dev.kiln.report}): what was evaluated and how the rows were split, the metrics with their meaning, the ROC
 * and precision-recall curves (binary), the confusion matrix (classification) with per-class metrics (multiclass),
 * predicted against actual values and the residuals' histogram (regression), and feature importances as bars. Inline
 * SVG only; no script, nothing loaded (the Content-Security-Policy forbids both); every name and value escaped.
 *
 * <p>Charts carry stable hooks for tests and tools: {@code table#metrics}, {@code svg.chart.roc#roc-curve},
 * {@code svg.chart.pr#pr-curve}, {@code svg.chart.confusion#confusion-matrix} (a {@code rect.cell} per cell),
 * {@code table#per-class}, {@code svg.chart.scatter#predicted-vs-actual}, {@code svg.chart.histogram#residuals} and
 * {@code svg.chart.importances#feature-importances}.
 */
public final class EvaluationReport {

  /** The most feature importances drawn; the rest are counted in a note. */
  public static final int MAX_IMPORTANCES = 40;

  /** The report's own rules, after the shared ones. */
  private static final String STYLE = """
      .charts { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
      .charts > div { background: #fff; border: 1px solid #dde1ea; border-radius: 6px; padding: 12px; }
      .charts svg { max-width: 100%; height: auto; }
      polyline.curve { stroke: #4c72b0; stroke-width: 2.5; }
      line.reference { stroke: #a0a7b8; stroke-width: 1; stroke-dasharray: 4 3; }
      line.grid { stroke: #eef1f7; stroke-width: 1; }
      circle.dot { fill: #4c72b0; fill-opacity: 0.55; }
      rect.cell { stroke: #fff; stroke-width: 1; }
      table.summary td.meaning { text-align: left; white-space: normal; min-width: 320px; color: #5a6275; }
      """;

  /**
   * What was evaluated.
   *
   * @param model the registered model's name
   * @param version its version
   * @param split how the held-out rows were chosen (the split's description)
   * @param input the rows the test split came from
   */
  public record About(String model, long version, String split, String input, Instant evaluatedAt) {}

  private EvaluationReport() {}

  /**
   * The page.
   *
   * @param importances feature names and importances in the order to show them (largest first, as the caller
   *     ranks them); empty when the model has none to give
   */
  public static String render(Evaluation evaluation, About about, List<Map.Entry<String, Double>> importances) {
    StringBuilder html = HtmlPage.open("Evaluation of " + about.model() + " v" + about.version(), STYLE);
    Double rows = evaluation.metrics().get("test_rows");
    html.append("<p class=\"meta\">")
        .append(meta("task", evaluation.task()))
        .append(meta("held-out rows", rows == null ? "?" : number(rows)))
        .append(meta("input", about.input()))
        .append(meta("evaluated", DateTimeFormatter.ISO_INSTANT.format(about.evaluatedAt().truncatedTo(
            java.time.temporal.ChronoUnit.SECONDS))))
        .append("</p>\n<p class=\"stats\" id=\"split\">").append(escape("Split: " + about.split())).append("</p>\n");

    html.append("<h2>Metrics</h2>\n").append(metricsTable(evaluation)).append('\n');
    if (!evaluation.roc().isEmpty() || !evaluation.pr().isEmpty()) {
      html.append("<h2>Curves</h2>\n<div class=\"charts\">")
          .append(chartBox("ROC curve · AUC " + value(evaluation, "auc_roc"), curve("roc-curve", "chart curve roc",
              "ROC curve", evaluation.roc(), "false positive rate", "true positive rate", new double[] {0, 0, 1, 1})))
          .append(chartBox("Precision-recall curve · AUC " + value(evaluation, "auc_pr"), curve("pr-curve",
              "chart curve pr", "Precision-recall curve", evaluation.pr(), "recall", "precision", positiveRate(
                  evaluation))))
          .append("</div>\n");
    }
    evaluation.confusion().ifPresent(confusion -> {
      html.append("<h2>Confusion matrix</h2>\n<p class=\"stats\">Rows: the actual class; columns: the predicted "
          + "class. A cell's colour is its share of its row (the class's recall on the diagonal).</p>\n")
          .append(confusionMatrix(confusion)).append('\n');
      if (confusion.size() > 2) {
        html.append("<h2>Per class</h2>\n").append(perClassTable(confusion)).append('\n');
      }
    });
    evaluation.residuals().ifPresent(residuals -> {
      html.append("<h2>Residuals</h2>\n<div class=\"charts\">")
          .append(chartBox("Predicted against actual (" + number(residuals.actualVsPredicted().size())
              + " held-out rows, a seeded sample)", scatter(residuals.actualVsPredicted())))
          .append(chartBox("Residuals, actual − predicted", residuals.histogram().isEmpty() ? note("no rows")
              : Histogram.svg("residuals", "chart histogram", "Histogram of the residuals",
                  residuals.histogram().stream().map(b -> new Histogram.Bin(b.low(), b.high(), b.count()))
                      .toList())))
          .append("</div>\n");
    });
    html.append("<h2>Feature importances</h2>\n").append(importances(importances)).append('\n');
    return HtmlPage.close(html);
  }

  private static String value(Evaluation evaluation, String metric) {
    Double v = evaluation.metrics().get(metric);
    return v == null ? "—" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String note(String text) {
    return "<p class=\"note\">" + escape(text) + "</p>";
  }

  private static String chartBox(String caption, String chart) {
    return "<div><h3>" + escape(caption) + "</h3>" + chart + "</div>";
  }

  /** The headline metrics (per-class and confusion entries are drawn below), each with what it means. */
  private static String metricsTable(Evaluation evaluation) {
    StringBuilder table = new StringBuilder("<table id=\"metrics\" class=\"summary\"><thead><tr><th>metric</th>"
        + "<th>value</th><th>meaning</th></tr></thead><tbody>\n");
    evaluation.metrics().forEach((name, v) -> {
      if (!name.contains(".")) {
        table.append("<tr data-metric=\"").append(escape(name)).append("\"><td class=\"name\">").append(escape(name))
            .append("</td>").append(cell(name.endsWith("_rows") ? number(v) : String.format(Locale.ROOT, "%.4f", v)))
            .append("<td class=\"meaning\">").append(escape(meaning(name, evaluation.task()))).append("</td></tr>\n");
      }
    });
    return table.append("</tbody></table>").toString();
  }

  /** What each metric means (docs/evaluation.md says it at length). */
  static String meaning(String metric, String task) {
    return switch (metric) {
      case "auc_roc" -> "area under the ROC curve: the chance a random positive row scores above a random negative";
      case "auc_pr" -> "area under the precision-recall curve";
      case "accuracy" -> "share of rows whose predicted class is the actual one";
      case "log_loss" -> "mean of −ln p(actual class), p clipped at 1e-15; lower is better";
      case "precision" -> "of the rows predicted positive, the share that are";
      case "recall" -> "of the positive rows, the share predicted positive";
      case "f1" -> "binary".equals(task) ? "harmonic mean of precision and recall"
          : "per-class F1 weighted by the class's share of rows";
      case "macro_f1" -> "mean of the per-class F1, every class counting the same";
      case "weighted_precision" -> "per-class precision weighted by the class's share of rows";
      case "weighted_recall" -> "per-class recall weighted by the class's share of rows (equals accuracy)";
      case "rmse" -> "root of the mean squared error";
      case "mse" -> "mean squared error";
      case "mae" -> "mean absolute error";
      case "r2" -> "1 − MSE / variance of the actual values: the share of variance explained";
      case "mean_residual" -> "mean of actual − predicted: above 0, the model predicts too low";
      case "max_abs_error" -> "the largest |actual − predicted|";
      case "test_rows" -> "held-out rows measured";
      default -> "";
    };
  }

  private static final int PLOT = 260;
  private static final int LEFT = 52;
  private static final int TOP = 10;
  private static final int BOTTOM = 44;

  /**
   * A chart frame for the unit square, its axes labelled with the values {@code from} to {@code from + span}: axes,
   * grid lines at quarters, their labels and the axis titles.
   */
  private static Svg unitSquare(String id, String cssClass, String ariaLabel, String xLabel, String yLabel,
      double from, double span) {
    int size = LEFT + PLOT + 14;
    Svg svg = new Svg(id, cssClass, size, TOP + PLOT + BOTTOM, ariaLabel);
    for (int i = 0; i <= 4; i++) {
      double t = i / 4.0;
      svg.line(x(t), TOP, x(t), TOP + PLOT, "grid").line(LEFT, y(t), LEFT + PLOT, y(t), "grid")
          .text(x(t), TOP + PLOT + 14, number(from + span * t), "middle", "axis", 0)
          .text(LEFT - 5, y(t) + 4, number(from + span * t), "end", "axis", 0);
    }
    return svg.line(LEFT, TOP + PLOT, LEFT + PLOT, TOP + PLOT, "axis").line(LEFT, TOP, LEFT, TOP + PLOT, "axis")
        .text(LEFT + PLOT / 2.0, TOP + PLOT + 34, xLabel, "middle", "axis", 0)
        .text(14, TOP + PLOT / 2.0, yLabel, "middle", "axis", -90);
  }

  private static double x(double t) {
    return LEFT + PLOT * t;
  }

  private static double y(double t) {
    return TOP + PLOT * (1 - t);
  }

  /** A curve in the unit square, over a dashed reference line {x1, y1, x2, y2} (chance). */
  private static String curve(String id, String cssClass, String ariaLabel, List<Point> points, String xLabel,
      String yLabel, double[] reference) {
    if (points.isEmpty()) {
      return note("no curve");
    }
    Svg svg = unitSquare(id, cssClass, ariaLabel, xLabel, yLabel, 0, 1)
        .line(x(reference[0]), y(reference[1]), x(reference[2]), y(reference[3]), "reference");
    List<double[]> drawn = new ArrayList<>();
    points.forEach(p -> drawn.add(new double[] {x(clamp(p.x())), y(clamp(p.y()))}));
    return svg.polyline(drawn, "curve").close();
  }

  private static double clamp(double v) {
    return Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
  }

  /** The precision of guessing "positive" for every row: the PR curve's chance line. */
  private static double[] positiveRate(Evaluation evaluation) {
    double rate = evaluation.confusion().map(c -> c.total() == 0 ? 0.0 : (double) c.support(c.size() - 1)
        / c.total()).orElse(0.0);
    return new double[] {0, rate, 1, rate};
  }

  private static String confusionMatrix(ConfusionMatrix confusion) {
    int n = confusion.size();
    int cellSize = Math.max(16, Math.min(56, 560 / n));
    // Room for the class names: beside the rows, and above the columns at 45 degrees.
    int longest = confusion.classes().stream().mapToInt(c -> shorten(c, 22).length()).max().orElse(1);
    int left = 40 + Math.min(130, 7 * longest);
    int top = 34 + Math.min(90, 5 * Math.min(longest, 18));
    Svg svg = new Svg("confusion-matrix", "chart confusion", left + n * cellSize + 12 + 5 * Math.min(longest, 18),
        top + n * cellSize + 12, "Confusion matrix", "data-classes", String.valueOf(n));
    svg.text(left + n * cellSize / 2.0, 12, "predicted", "middle", "axis", 0)
        .text(12, top + n * cellSize / 2.0, "actual", "middle", "axis", -90);
    for (int j = 0; j < n; j++) {
      svg.text(left + j * cellSize + cellSize / 2.0, top - 6, shorten(confusion.classes().get(j), 18), "start",
          "label", -45);
    }
    for (int i = 0; i < n; i++) {
      String actual = confusion.classes().get(i);
      long support = confusion.support(i);
      svg.text(left - 6, top + i * cellSize + cellSize / 2.0 + 4, shorten(actual, 22), "end", "label", 0);
      for (int j = 0; j < n; j++) {
        long count = confusion.count(i, j);
        double share = support == 0 ? 0 : (double) count / support;
        svg.rect(left + j * cellSize, top + i * cellSize, cellSize, cellSize, "cell",
            Colours.mix(Colours.WHITE, Colours.BLUE, share), "actual " + actual + ", predicted "
                + confusion.classes().get(j) + ": " + number(count) + " rows" + (support == 0 ? ""
                : String.format(Locale.ROOT, " (%.1f%% of %s)", 100 * share, actual)));
        if (cellSize >= 28) {
          svg.text(left + j * cellSize + cellSize / 2.0, top + i * cellSize + cellSize / 2.0 + 4, number(count),
              "middle", share > 0.55 ? "light" : "value", 0);
        }
      }
    }
    return svg.close();
  }

  private static String perClassTable(ConfusionMatrix confusion) {
    StringBuilder table = new StringBuilder("<div class=\"table-wrap\"><table id=\"per-class\" class=\"summary\">"
        + "<thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead>"
        + "<tbody>\n");
    for (int c = 0; c < confusion.size(); c++) {
      table.append("<tr data-class=\"").append(escape(confusion.classes().get(c))).append("\"><td class=\"name\">")
          .append(escape(confusion.classes().get(c))).append("</td>")
          .append(cell(String.format(Locale.ROOT, "%.4f", confusion.precision(c))))
          .append(cell(String.format(Locale.ROOT, "%.4f", confusion.recall(c))))
          .append(cell(String.format(Locale.ROOT, "%.4f", confusion.f1(c))))
          .append(cell(number(confusion.support(c)))).append("</tr>\n");
    }
    return table.append("</tbody></table></div>").toString();
  }

  /** Predicted (y) against actual (x) on one scale, with the line where they agree. */
  private static String scatter(List<Point> points) {
    if (points.isEmpty()) {
      return note("no rows");
    }
    double low = Double.POSITIVE_INFINITY;
    double high = Double.NEGATIVE_INFINITY;
    for (Point p : points) {
      for (double v : new double[] {p.x(), p.y()}) {
        if (Double.isFinite(v)) {
          low = Math.min(low, v);
          high = Math.max(high, v);
        }
      }
    }
    if (!(high > low)) {
      low = Double.isFinite(low) ? low - 1 : 0;
      high = low + 2;
    }
    double from = low;
    double span = high - low;
    Svg svg = unitSquare("predicted-vs-actual", "chart scatter", "Predicted against actual values", "actual",
        "predicted", from, span);
    svg.line(x(0), y(0), x(1), y(1), "reference");
    for (Point p : points) {
      if (Double.isFinite(p.x()) && Double.isFinite(p.y())) {
        svg.circle(x((p.x() - from) / span), y((p.y() - from) / span), 2.2, "dot", null);
      }
    }
    return svg.close();
  }

  private static String importances(List<Map.Entry<String, Double>> importances) {
    if (importances.isEmpty()) {
      return note("no feature importances were given for this model");
    }
    double largest = importances.stream().mapToDouble(e -> Math.abs(e.getValue())).filter(Double::isFinite)
        .max().orElse(0);
    List<BarChart.Bar> bars = new ArrayList<>();
    for (Map.Entry<String, Double> e : importances.subList(0, Math.min(MAX_IMPORTANCES, importances.size()))) {
      double v = e.getValue();
      bars.add(new BarChart.Bar(e.getKey(), List.of(new BarChart.Segment(largest == 0 || !Double.isFinite(v) ? 0
          : Math.abs(v) / largest, "bar")), String.format(Locale.ROOT, "%.4f", v),
          e.getKey() + ": " + String.format(Locale.ROOT, "%.6f", v)));
    }
    String more = importances.size() > MAX_IMPORTANCES ? note((importances.size() - MAX_IMPORTANCES)
        + " more features not shown") : "";
    return BarChart.horizontal("feature-importances", "chart importances", "Feature importances", bars) + more;
  }
}

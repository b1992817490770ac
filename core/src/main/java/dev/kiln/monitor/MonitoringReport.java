package dev.kiln.monitor;

import static dev.kiln.report.HtmlPage.cell;
import static dev.kiln.report.HtmlPage.meta;
import static dev.kiln.report.Svg.escape;
import static dev.kiln.report.Svg.number;
import static dev.kiln.report.Svg.shorten;

import dev.kiln.monitor.DriftAnalysis.ColumnDrift;
import dev.kiln.report.HtmlPage;
import dev.kiln.report.Svg;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A monitoring run as one self-contained HTML page (no script, nothing loaded: {@link HtmlPage}'s policy): the
 * verdict and the checks that crossed, a PSI bar chart of every column with the threshold drawn across it, a table of
 * every column's PSI, KS and missing share, each column's training and recent distributions side by side, and, with
 * labels, the live metrics per day against the registered ones.
 *
 * <p>Stable hooks for tests and tools: {@code table#crossed}, {@code svg.chart.psi#psi} (a {@code line.threshold}),
 * {@code table#drift}, {@code svg.chart.distribution[data-column]}, {@code table#live} and
 * {@code svg.chart.live[data-metric]}.
 */
public final class MonitoringReport {

  /** How many bins of a categorical column are drawn: its largest, the rest as one bar. */
  static final int DRAWN_CATEGORIES = 12;

  private static final String STYLE = """
      .columns { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 14px; }
      .column { background: #fff; border: 1px solid #dde1ea; border-radius: 6px; padding: 12px; min-width: 0; }
      .column svg { max-width: 100%; height: auto; }
      .verdict { font-size: 16px; padding: 8px 12px; border-radius: 6px; display: inline-block; }
      .verdict.drift { background: #fbe3e6; color: #8c1c2b; } .verdict.ok { background: #e3f4e8; color: #1e6b35; }
      tr.crossed td { color: #b2182b; font-weight: 600; }
      rect.bar-crossed { fill: #d1495b; } rect.bar-training { fill: #4c72b0; } rect.bar-recent { fill: #dd8452; }
      line.threshold, line.registered { stroke: #b2182b; stroke-width: 1.5; stroke-dasharray: 5 3; }
      polyline.live { stroke: #dd8452; stroke-width: 2; } circle.live { fill: #dd8452; }
      """;

  private MonitoringReport() {}

  public static String render(MonitorOutcome outcome) {
    String title = "Monitoring " + outcome.model() + "@" + outcome.version() + " on " + outcome.runDate();
    StringBuilder html = HtmlPage.open(title, STYLE);
    html.append("<p class=\"meta\">")
        .append(meta("window", outcome.window().toString()))
        .append(meta("predictions", String.format(Locale.ROOT, "%,d", outcome.rows())))
        .append(outcome.live().map(l -> meta("labelled", String.format(Locale.ROOT, "%,d", l.rows()))).orElse(""))
        .append(meta("input", outcome.input()))
        .append(meta("monitored", DateTimeFormatter.ISO_INSTANT.format(outcome.monitoredAt()
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)))).append("</p>\n");

    List<Check> crossed = outcome.crossed();
    html.append("<p class=\"verdict ").append(crossed.isEmpty() ? "ok" : "drift").append("\">")
        .append(escape(crossed.isEmpty() ? "No threshold crossed"
            : crossed.size() + (crossed.size() == 1 ? " threshold crossed" : " thresholds crossed")))
        .append("</p>\n");
    if (!crossed.isEmpty()) {
      html.append(checkTable("crossed", crossed));
    }
    if (!outcome.notes().isEmpty()) {
      html.append("<ul class=\"stats\">");
      outcome.notes().forEach(n -> html.append("<li>").append(escape(n)).append("</li>"));
      html.append("</ul>\n");
    }

    List<ColumnDrift> columns = columns(outcome.drift());
    html.append("<h2>Drift by column (PSI)</h2>\n").append(psiChart(columns, outcome)).append('\n')
        .append("<div class=\"table-wrap\">").append(driftTable(columns, outcome)).append("</div>\n");
    html.append("<h2>Distributions: training and recent</h2>\n<p class=\"stats\">")
        .append("<span class=\"legend-key\" style=\"background:#4c72b0\"></span>training (predictions: held-out)")
        .append("<span class=\"legend-key\" style=\"background:#dd8452\"></span>")
        .append(escape("recent (" + outcome.window() + ")")).append("</p>\n<div class=\"columns\">\n");
    for (int i = 0; i < columns.size(); i++) {
      html.append(distributionCard(columns.get(i), i)).append('\n');
    }
    html.append("</div>\n");
    outcome.live().ifPresent(live -> html.append(liveSection(live, outcome)));
    if (outcome.drift().rowsByDay().size() > 1) {
      html.append("<h2>Predictions per day</h2>\n<table class=\"summary\" id=\"rows\"><thead><tr><th>day</th>"
          + "<th>predictions</th></tr></thead><tbody>");
      outcome.drift().rowsByDay().forEach((day, n) -> html.append("<tr>").append(cell(day.toString()))
          .append(cell(number(n))).append("</tr>"));
      html.append("</tbody></table>\n");
    }
    return HtmlPage.close(html);
  }

  private static List<ColumnDrift> columns(DriftAnalysis drift) {
    List<ColumnDrift> columns = new ArrayList<>(drift.inputs());
    columns.add(drift.prediction());
    drift.probability().ifPresent(columns::add);
    return columns;
  }

  private static String checkTable(String id, List<Check> checks) {
    StringBuilder table = new StringBuilder("<table class=\"summary\" id=\"").append(id)
        .append("\"><thead><tr><th>column</th><th>metric</th><th>value</th><th>baseline</th><th>threshold</th>"
            + "</tr></thead><tbody>");
    for (Check check : checks) {
      table.append("<tr class=\"crossed\">").append(cell(check.column().orElse("(model)")))
          .append(cell(check.metric())).append(cell(number(check.value())))
          .append(cell(optional(check.baseline()))).append(cell(optional(check.threshold()))).append("</tr>");
    }
    return table.append("</tbody></table>\n").toString();
  }

  /** Horizontal PSI bars, the crossed ones red, with the column's threshold as a dashed line. */
  private static String psiChart(List<ColumnDrift> columns, MonitorOutcome outcome) {
    int labelWidth = 170;
    int trackWidth = 300;
    int rowHeight = 20;
    double scale = 0;
    for (ColumnDrift column : columns) {
      scale = Math.max(scale, Math.max(finite(column.psi()), 1.25 * threshold(outcome, column.name(), "psi")));
    }
    Svg svg = new Svg("psi", "chart psi", labelWidth + trackWidth + 80, columns.size() * rowHeight + 8,
        "PSI of each column, with its threshold");
    for (int i = 0; i < columns.size(); i++) {
      ColumnDrift column = columns.get(i);
      double y = 4 + i * rowHeight;
      double psi = finite(column.psi());
      boolean crossed = crossed(outcome, column.name(), "psi");
      String tooltip = column.name() + ": PSI " + statistic(column.psi());
      svg.text(labelWidth - 8, y + 13, shorten(column.name(), 26), "end", "label", 0);
      svg.rect(labelWidth, y + 2, trackWidth, rowHeight - 6, "track", null, tooltip);
      if (psi > 0) {
        svg.rect(labelWidth, y + 2, Math.max(1, trackWidth * psi / scale), rowHeight - 6,
            crossed ? "bar-crossed" : "bar", null, tooltip);
      }
      double limit = labelWidth + trackWidth * threshold(outcome, column.name(), "psi") / scale;
      svg.line(limit, y, limit, y + rowHeight - 2, "threshold");
      svg.text(labelWidth + trackWidth + 6, y + 13, statistic(column.psi()), "start", "value", 0);
    }
    return svg.close();
  }

  private static String driftTable(List<ColumnDrift> columns, MonitorOutcome outcome) {
    StringBuilder table = new StringBuilder("<table class=\"summary\" id=\"drift\"><thead><tr><th>column</th>"
        + "<th>kind</th><th>PSI</th><th>KS</th><th>missing: training</th><th>recent</th><th>new values</th>"
        + "</tr></thead><tbody>\n");
    for (ColumnDrift column : columns) {
      boolean crossed = outcome.checks().stream().anyMatch(c -> c.crossed() && c.column().equals(Optional.of(
          column.name())));
      table.append("<tr data-column=\"").append(escape(column.name())).append('"')
          .append(crossed ? " class=\"crossed\"" : "").append(">")
          .append("<td class=\"name\" title=\"").append(escape(column.name())).append("\">")
          .append(escape(column.name())).append("</td>")
          .append(cell(column.baseline().buckets().kind().name().toLowerCase(Locale.ROOT)))
          .append(cell(statistic(column.psi()))).append(cell(statistic(column.ks())))
          .append(cell(percent(column.baseline().counts().missingRate())))
          .append(cell(percent(column.recent().missingRate())))
          .append(cell(unseen(column.recent()))).append("</tr>\n");
    }
    return table.append("</tbody></table>\n").toString();
  }

  /** A column's card: its training and recent shares per PSI bin, as pairs of bars. */
  private static String distributionCard(ColumnDrift column, int position) {
    Buckets buckets = column.baseline().buckets();
    List<String> labels = buckets.binLabels();
    double[] training = column.baseline().counts().binShares(buckets);
    double[] recent = column.recent().binShares(buckets);
    List<Integer> drawn = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      drawn.add(i);
    }
    double restTraining = 0;
    double restRecent = 0;
    if (!buckets.numeric() && labels.size() > DRAWN_CATEGORIES) {
      // The largest bins on either side; "other" always, where new values land.
      List<Integer> largest = drawn.stream().filter(i -> i < labels.size() - 1)
          .sorted(Comparator.comparingDouble((Integer i) -> -Math.max(training[i], recent[i])))
          .limit(DRAWN_CATEGORIES - 1).sorted().toList();
      for (int i = 0; i < labels.size() - 1; i++) {
        if (!largest.contains(i)) {
          restTraining += training[i];
          restRecent += recent[i];
        }
      }
      drawn = new ArrayList<>(largest);
      drawn.add(labels.size() - 1);
    }
    List<String[]> rows = new ArrayList<>();
    List<double[]> shares = new ArrayList<>();
    for (int i : drawn) {
      rows.add(new String[] {labels.get(i)});
      shares.add(new double[] {training[i], recent[i]});
    }
    if (restTraining > 0 || restRecent > 0) {
      rows.add(new String[] {"(the rest)"});
      shares.add(new double[] {restTraining, restRecent});
    }
    int labelWidth = 130;
    int trackWidth = 220;
    int rowHeight = 24;
    double most = shares.stream().mapToDouble(s -> Math.max(s[0], s[1])).max().orElse(1);
    Svg svg = new Svg("distribution-" + position, "chart distribution", labelWidth + trackWidth + 110,
        rows.size() * rowHeight + 8, "Training and recent shares of " + column.name(), "data-column", column.name());
    for (int r = 0; r < rows.size(); r++) {
      double y = 4 + r * rowHeight;
      double[] pair = shares.get(r);
      String tooltip = rows.get(r)[0] + ": training " + percent(pair[0]) + ", recent " + percent(pair[1]);
      svg.text(labelWidth - 8, y + 14, shorten(rows.get(r)[0], 20), "end", "label", 0);
      svg.rect(labelWidth, y + 2, Math.max(pair[0] > 0 ? 1 : 0, trackWidth * pair[0] / Math.max(most, 1e-12)), 9,
          "bar-training", null, tooltip);
      svg.rect(labelWidth, y + 12, Math.max(pair[1] > 0 ? 1 : 0, trackWidth * pair[1] / Math.max(most, 1e-12)), 9,
          "bar-recent", null, tooltip);
      svg.text(labelWidth + trackWidth + 6, y + 14, percent(pair[0]) + " → " + percent(pair[1]), "start", "value",
          0);
    }
    StringBuilder card = new StringBuilder("<div class=\"column\" data-column=\"").append(escape(column.name()))
        .append("\"><h3>").append(escape(column.name())).append("</h3><p class=\"stats\">")
        .append(escape(String.format(Locale.ROOT, "PSI %s%s · missing %s → %s · %,d %s, %,d recent rows",
            statistic(column.psi()), Double.isNaN(column.ks()) ? "" : " · KS " + statistic(column.ks()),
            percent(column.baseline().counts().missingRate()), percent(column.recent().missingRate()),
            column.baseline().counts().rows(), output(column) ? "held-out" : "training", column.recent().rows())))
        .append("</p>").append(svg.close());
    if (!column.recent().unseen().isEmpty()) {
      card.append("<p class=\"stats\">").append(escape("not seen in training: " + unseen(column.recent())))
          .append("</p>");
    }
    return card.append("</div>").toString();
  }

  /** The live metrics per day with the registered value, as a table and one line chart per metric. */
  private static String liveSection(LiveMetrics live, MonitorOutcome outcome) {
    Set<String> metrics = new LinkedHashSet<>(live.window().metrics().keySet());
    StringBuilder html = new StringBuilder("<h2>Live metrics</h2>\n<table class=\"summary\" id=\"live\"><thead><tr>"
        + "<th>day</th><th>labelled rows</th>");
    metrics.forEach(m -> html.append("<th>").append(escape(m)).append("</th>"));
    html.append("</tr></thead><tbody>\n");
    live.days().forEach((day, measured) -> html.append(liveRow(day.toString(), measured, metrics)));
    html.append(liveRow("window", live.window(), metrics));
    html.append("<tr><td>registered (held-out)</td><td></td>");
    metrics.forEach(m -> html.append(cell(Optional.ofNullable(outcome.registered().get(m)).map(Svg::number)
        .orElse(""))));
    html.append("</tr></tbody></table>\n<div class=\"columns\">\n");
    for (String metric : metrics) {
      html.append("<div class=\"column\"><h3>").append(escape(metric)).append("</h3>")
          .append(liveChart(metric, live, Optional.ofNullable(outcome.registered().get(metric)))).append("</div>\n");
    }
    return html.append("</div>\n").toString();
  }

  private static String liveRow(String day, LiveMetrics.Day measured, Set<String> metrics) {
    StringBuilder row = new StringBuilder("<tr>").append(cell(day)).append(cell(number(measured.rows())));
    metrics.forEach(m -> row.append(cell(Optional.ofNullable(measured.metrics().get(m)).map(Svg::number)
        .orElse(""))));
    return row.append("</tr>\n").toString();
  }

  /** A metric per day as a line with dots, and the registered value as a dashed line. */
  private static String liveChart(String metric, LiveMetrics live, Optional<Double> registered) {
    int width = 400;
    int height = 170;
    int left = 52;
    int top = 10;
    int bottom = 30;
    List<Map.Entry<LocalDate, Double>> points = live.days().entrySet().stream()
        .filter(e -> e.getValue().metrics().containsKey(metric))
        .map(e -> Map.entry(e.getKey(), e.getValue().metrics().get(metric))).toList();
    double low = Stream.concat(points.stream().map(Map.Entry::getValue), registered.stream())
        .mapToDouble(Double::doubleValue).min().orElse(0);
    double high = Stream.concat(points.stream().map(Map.Entry::getValue), registered.stream())
        .mapToDouble(Double::doubleValue).max().orElse(1);
    double pad = Math.max((high - low) * 0.15, Math.max(Math.abs(high) * 0.02, 1e-3));
    low -= pad;
    high += pad;
    double plotWidth = width - left - 14;
    double plotHeight = height - top - bottom;
    double lo = low;
    double span = high - low;
    java.util.function.DoubleUnaryOperator yOf = v -> top + plotHeight * (1 - (v - lo) / span);
    Svg svg = new Svg("live-" + metric, "chart live", width, height, metric + " per day", "data-metric", metric);
    svg.line(left, top + plotHeight, left + plotWidth, top + plotHeight, "axis")
        .line(left, top, left, top + plotHeight, "axis")
        .text(left - 4, top + 9, number(high), "end", "axis", 0)
        .text(left - 4, top + plotHeight, number(low), "end", "axis", 0);
    registered.ifPresent(r -> svg.line(left, yOf.applyAsDouble(r), left + plotWidth, yOf.applyAsDouble(r),
        "registered"));
    List<double[]> xy = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      double x = left + (points.size() == 1 ? plotWidth / 2 : plotWidth * i / (points.size() - 1));
      xy.add(new double[] {x, yOf.applyAsDouble(points.get(i).getValue())});
    }
    if (xy.size() > 1) {
      svg.polyline(xy, "live");
    }
    for (int i = 0; i < xy.size(); i++) {
      svg.circle(xy.get(i)[0], xy.get(i)[1], 3.5, "live", points.get(i).getKey() + ": " + metric + " "
          + number(points.get(i).getValue()) + registered.map(r -> " (registered " + number(r) + ")").orElse(""));
    }
    if (points.size() == 1) {
      svg.text(left + plotWidth / 2, height - 10, points.get(0).getKey().toString(), "middle", "axis", 0);
    } else if (points.size() > 1) {
      svg.text(left, height - 10, points.get(0).getKey().toString(), "start", "axis", 0)
          .text(left + plotWidth, height - 10, points.get(points.size() - 1).getKey().toString(), "end", "axis", 0);
    }
    return svg.close();
  }

  private static String unseen(BucketCounts recent) {
    return String.join(", ", recent.unseen().entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .map(e -> shorten(e.getKey(), 24) + " (" + number(e.getValue()) + ")").toList());
  }

  private static boolean crossed(MonitorOutcome outcome, String column, String metric) {
    return outcome.checks().stream().anyMatch(c -> c.crossed() && c.metric().equals(metric)
        && c.column().equals(Optional.of(column)));
  }

  private static double threshold(MonitorOutcome outcome, String column, String metric) {
    return outcome.checks().stream().filter(c -> c.metric().equals(metric) && c.column().equals(Optional.of(column)))
        .map(Check::threshold).filter(OptionalDouble::isPresent).mapToDouble(OptionalDouble::getAsDouble)
        .findFirst().orElse(0);
  }

  /** PSI and KS to four decimals: small values are the usual case, and they read better so than in e-notation. */
  private static String statistic(double v) {
    return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static boolean output(ColumnDrift column) {
    return column.name().equals(DriftBaseline.PREDICTION) || column.name().equals(DriftBaseline.PROBABILITY);
  }

  private static double finite(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? 0 : v;
  }

  private static String percent(double share) {
    return Double.isNaN(share) ? "—" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  private static String optional(OptionalDouble value) {
    return value.isPresent() ? number(value.getAsDouble()) : "";
  }
}

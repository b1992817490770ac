package dev.kiln.profile;

import static dev.kiln.report.HtmlPage.cell;
import static dev.kiln.report.HtmlPage.meta;
import static dev.kiln.report.Svg.escape;
import static dev.kiln.report.Svg.number;
import static dev.kiln.report.Svg.shorten;

import dev.kiln.profile.Profile.Association;
import dev.kiln.profile.Profile.ColumnProfile;
import dev.kiln.profile.Profile.CorrelationMatrix;
import dev.kiln.profile.Profile.NumericSummary;
import dev.kiln.profile.Profile.ValueCount;
import dev.kiln.report.BarChart;
import dev.kiln.report.BarChart.Bar;
import dev.kiln.report.BarChart.Segment;
import dev.kiln.report.Colours;
import dev.kiln.report.Histogram;
import dev.kiln.report.HtmlPage;
import dev.kiln.report.Svg;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A profile as one self-contained HTML page: a summary table per column, a missing-values bar chart, a histogram per
 * numeric column, top-value bars per categorical column, Pearson and Spearman heatmaps with a colour legend, and the
 * label associations. Charts are inline SVG drawn here; the page has no script, loads nothing (its
 * Content-Security-Policy forbids both), and escapes every name and value it shows.
 *
 * <p>Charts carry stable hooks for tests and tools: {@code svg.chart.missing-values#missing-values},
 * {@code svg.chart.histogram[data-column]}, {@code svg.chart.top-values[data-column]},
 * {@code svg.chart.heatmap[data-method]#heatmap-pearson|#heatmap-spearman} (each with a {@code g.legend}) and
 * {@code svg.chart.association#label-association}; a column's charts have the id {@code <kind>-<position>}.
 */
public final class HtmlReport {

  /** The profile's own rules, after {@link HtmlPage#BASE_STYLE}. */
  private static final String STYLE = """
      .columns { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 14px; }
      .column { background: #fff; border: 1px solid #dde1ea; border-radius: 6px; padding: 12px; min-width: 0; }
      .column svg { max-width: 100%; height: auto; }
      .heatmaps { display: flex; flex-wrap: wrap; gap: 24px; }
      rect.bar-null { fill: #d1495b; } rect.bar-nonfinite { fill: #edae49; }
      rect.bar-positive { fill: #b2182b; } rect.bar-negative { fill: #2166ac; }
      rect.cell { stroke: #fff; stroke-width: 1; }
      """;

  private HtmlReport() {}

  /** The page for {@code profile}, taken as {@code run}. */
  public static String render(Profile profile, ProfileRun run) {
    StringBuilder html = HtmlPage.open("Profile of " + run.source(), STYLE);
    html.append("<p class=\"meta\">")
        .append(meta("rows", String.format(Locale.ROOT, "%,d", profile.rows())))
        .append(meta("columns", String.valueOf(profile.columns().size())))
        .append(meta("label", profile.label().orElse("none")))
        .append(meta("profiled", DateTimeFormatter.ISO_INSTANT.format(run.profiledAt())))
        .append(meta("run", run.id())).append("</p>\n");

    html.append("<h2>Summary</h2>\n<div class=\"table-wrap\">").append(summaryTable(profile)).append("</div>\n");
    html.append("<h2>Missing values</h2>\n<p class=\"stats\"><span class=\"legend-key\" style=\"background:#d1495b\">"
            + "</span>null<span class=\"legend-key\" style=\"background:#edae49\"></span>NaN or infinite</p>\n")
        .append(missingValues(profile)).append('\n');
    html.append("<h2>Columns</h2>\n<div class=\"columns\">\n");
    for (int i = 0; i < profile.columns().size(); i++) {
      html.append(columnCard(profile, i)).append('\n');
    }
    html.append("</div>\n<h2>Correlations</h2>\n<div class=\"heatmaps\">")
        .append(heatmapSection(profile.pearson(), "Pearson (pairwise complete rows)"))
        .append(heatmapSection(profile.spearman(), "Spearman (" + profile.spearman().completeRows()
            .map(n -> String.format(Locale.ROOT, "%,d complete rows", n)).orElse("complete rows") + ")"))
        .append("</div>\n");
    html.append("<h2>Association with the label</h2>\n").append(associations(profile)).append('\n');
    return HtmlPage.close(html);
  }

  private static String summaryTable(Profile profile) {
    TreeSet<Double> probabilities = new TreeSet<>();
    profile.columns().forEach(c -> c.numeric().ifPresent(n -> n.quantiles().forEach(q -> probabilities.add(
        q.probability()))));
    StringBuilder table = new StringBuilder("<table id=\"summary\" class=\"summary\"><thead><tr>");
    List<String> headers = new ArrayList<>(List.of("column", "type", "kind", "count", "nulls", "NaN/inf",
        "distinct ≈", "min", "max", "mean", "std dev"));
    probabilities.forEach(p -> headers.add("p" + number(p * 100)));
    headers.addAll(List.of("length", "top value", "association"));
    headers.forEach(h -> table.append("<th>").append(escape(h)).append("</th>"));
    table.append("</tr></thead><tbody>\n");
    for (ColumnProfile c : profile.columns()) {
      Optional<NumericSummary> n = c.numeric();
      table.append("<tr data-column=\"").append(escape(c.name())).append("\">")
          .append("<td class=\"name\" title=\"").append(escape(c.name())).append("\">").append(escape(c.name()))
          .append("</td>").append(cell(c.dataType())).append("<td class=\"kind\">")
          .append(c.kind().name().toLowerCase(Locale.ROOT)).append("</td>")
          .append(cell(number(c.count()))).append(cell(number(c.nulls()) + percent(c.nulls(), profile.rows())))
          .append(cell(c.nonFinite() == 0 ? "" : number(c.nonFinite())))
          .append(cell(number(c.approxDistinct())))
          .append(cell(n.map(s -> number(s.min())).orElse(c.range().map(r -> r.min()).orElse(""))))
          .append(cell(n.map(s -> number(s.max())).orElse(c.range().map(r -> r.max()).orElse(""))))
          .append(cell(n.map(s -> number(s.mean())).orElse("")))
          .append(cell(n.map(s -> number(s.stddev())).orElse("")));
      for (double p : probabilities) {
        table.append(cell(n.flatMap(s -> s.quantile(p)).map(Svg::number).orElse("")));
      }
      table.append(cell(c.lengths().map(l -> l.min() + "–" + l.max()).orElse("")))
          .append(cell(c.topValues().isEmpty() ? "" : shorten(c.topValues().get(0).value(), 16) + " ("
              + number(c.topValues().get(0).count()) + ")"))
          .append(cell(profile.association(c.name()).map(a -> abbreviation(a.method()) + " " + number(a.value()))
              .orElse("")))
          .append("</tr>\n");
    }
    return table.append("</tbody></table>\n").toString();
  }

  private static String percent(long part, long whole) {
    return whole == 0 || part == 0 ? "" : String.format(Locale.ROOT, " (%.1f%%)", 100.0 * part / whole);
  }

  private static String abbreviation(String method) {
    return switch (method) {
      case Association.PEARSON -> "r";
      case Association.CRAMERS_V -> "V";
      case Association.CORRELATION_RATIO -> "η";
      default -> method;
    };
  }

  private static String missingValues(Profile profile) {
    List<Bar> rows = new ArrayList<>();
    for (ColumnProfile c : profile.columns()) {
      double whole = Math.max(1, profile.rows());
      rows.add(new Bar(c.name(), List.of(new Segment(c.nulls() / whole, "bar-null"),
          new Segment(c.nonFinite() / whole, "bar-nonfinite")),
          String.format(Locale.ROOT, "%.1f%%", 100 * c.missingShare(profile.rows())),
          c.name() + ": " + number(c.nulls()) + " null, " + number(c.nonFinite()) + " NaN or infinite of "
              + number(profile.rows()) + " rows"));
    }
    return BarChart.horizontal("missing-values", "chart missing-values", "Missing values per column", rows);
  }

  private static String columnCard(Profile profile, int position) {
    ColumnProfile c = profile.columns().get(position);
    StringBuilder card = new StringBuilder("<section class=\"column\" id=\"column-").append(position)
        .append("\" data-column=\"").append(escape(c.name())).append("\"><h3>").append(escape(c.name()))
        .append("</h3><p class=\"stats\">").append(escape(c.dataType() + " · " + number(c.count()) + " values · "
            + number(c.nulls()) + " null · ≈" + number(c.approxDistinct()) + " distinct"));
    c.numeric().ifPresent(n -> card.append(escape(" · mean " + number(n.mean()) + " · sd " + number(n.stddev()))));
    c.range().ifPresent(r -> card.append(escape(" · " + r.min() + " to " + r.max())));
    card.append("</p>");
    if (!c.histogram().isEmpty()) {
      card.append(histogram(c, position));
    } else if (!c.topValues().isEmpty()) {
      card.append(topValues(c, position));
    } else {
      card.append("<p class=\"note\">").append(c.count() == 0 ? "no values"
          : c.kind() == ColumnKind.NUMERIC ? "no finite values" : "no chart for this type").append("</p>");
    }
    return card.append("</section>").toString();
  }

  private static String histogram(ColumnProfile c, int position) {
    return Histogram.svg("histogram-" + position, "chart histogram", "Histogram of " + c.name(),
        c.histogram().stream().map(b -> new Histogram.Bin(b.low(), b.high(), b.count())).toList(),
        "data-column", c.name());
  }

  private static String topValues(ColumnProfile c, int position) {
    long most = Math.max(c.otherValues(), c.topValues().stream().mapToLong(ValueCount::count).max().orElse(1));
    List<Bar> rows = new ArrayList<>();
    for (ValueCount value : c.topValues()) {
      rows.add(new Bar(value.value(), List.of(new Segment((double) value.count() / most, "bar")),
          number(value.count()), value.value() + ": " + number(value.count())));
    }
    if (c.otherValues() > 0) {
      rows.add(new Bar("(all other values)", List.of(new Segment((double) c.otherValues() / most, "bar-other")),
          number(c.otherValues()), "values outside the top " + c.topValues().size() + ": "
              + number(c.otherValues())));
    }
    return BarChart.horizontal("top-values-" + position, "chart top-values", "Most frequent values of " + c.name(), rows,
        "data-column", c.name());
  }

  private static String heatmapSection(CorrelationMatrix matrix, String caption) {
    StringBuilder section = new StringBuilder("<div><h3>").append(escape(caption)).append("</h3>");
    if (matrix.columns().isEmpty()) {
      return section.append("<p class=\"note\">fewer than two numeric columns with a spread</p></div>").toString();
    }
    return section.append(heatmap(matrix)).append("</div>").toString();
  }

  /** A correlation matrix as coloured cells (blue -1, white 0, red +1; grey undefined) with its legend below. */
  private static String heatmap(CorrelationMatrix matrix) {
    int n = matrix.columns().size();
    int cell = Math.max(14, Math.min(44, 520 / n));
    int left = 150;
    int top = 110;
    int legendHeight = 56;
    // At least as wide as the legend: the scale (200), then the "undefined" key and its word.
    int width = Math.max(left + n * cell + 12, left + 310);
    int height = top + n * cell + legendHeight;
    String method = matrix.method();
    Svg svg = new Svg("heatmap-" + method, "chart heatmap", width, height, method + " correlation heatmap",
        "data-method", method);
    for (int j = 0; j < n; j++) {
      svg.text(left + j * cell + cell / 2.0, top - 6, shorten(matrix.columns().get(j), 18), "start", "label", -45);
    }
    for (int i = 0; i < n; i++) {
      svg.text(left - 6, top + i * cell + cell / 2.0 + 4, shorten(matrix.columns().get(i), 20), "end", "label", 0);
      for (int j = 0; j < n; j++) {
        double r = matrix.value(i, j);
        svg.rect(left + j * cell, top + i * cell, cell, cell, "cell", colour(r),
            matrix.columns().get(i) + " × " + matrix.columns().get(j) + ": " + (Double.isNaN(r) ? "undefined"
                : String.format(Locale.ROOT, "%.3f", r)));
        if (cell >= 30 && !Double.isNaN(r)) {
          svg.text(left + j * cell + cell / 2.0, top + i * cell + cell / 2.0 + 4,
              String.format(Locale.ROOT, "%.2f", r), "middle", Math.abs(r) > 0.6 ? "light" : "value", 0);
        }
      }
    }
    // The legend: the colour scale from -1 to +1, and the colour of an undefined correlation.
    String gradient = "legend-gradient-" + method;
    double y = top + n * cell + 18;
    svg.raw("<g class=\"legend\"><defs><linearGradient id=\"" + gradient + "\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">"
        + "<stop offset=\"0\" stop-color=\"" + colour(-1) + "\"/><stop offset=\"0.5\" stop-color=\"" + colour(0)
        + "\"/><stop offset=\"1\" stop-color=\"" + colour(1) + "\"/></linearGradient></defs>");
    svg.rect(left, y, 200, 12, "scale", "url(#" + gradient + ")", "colour scale from -1 to +1")
        .text(left, y + 26, "−1", "start", "axis", 0)
        .text(left + 100, y + 26, "0", "middle", "axis", 0)
        .text(left + 200, y + 26, "+1", "end", "axis", 0)
        .rect(left + 220, y, 12, 12, "undefined", colour(Double.NaN), "undefined (no common rows or no spread)")
        .text(left + 236, y + 10, "undefined", "start", "axis", 0)
        .raw("</g>");
    return svg.close();
  }

  /** Blue through white to red; grey for NaN. */
  static String colour(double r) {
    if (Double.isNaN(r)) {
      return "#c8ccd4";
    }
    double t = Math.max(-1, Math.min(1, r));
    return Colours.mix(Colours.WHITE, t < 0 ? Colours.BLUE : Colours.RED, Math.abs(t));
  }

  private static String associations(Profile profile) {
    if (profile.label().isEmpty()) {
      return "<p class=\"note\">no label given</p>";
    }
    if (profile.associations().isEmpty()) {
      return "<p class=\"note\">no column's association with " + escape(profile.label().get())
          + " could be measured</p>";
    }
    List<Bar> rows = new ArrayList<>();
    profile.associations().stream().sorted(Comparator.comparingDouble((Association a) -> -Math.abs(a.value())))
        .forEach(a -> rows.add(new Bar(a.feature() + " (" + abbreviation(a.method()) + ")",
            List.of(new Segment(Math.abs(a.value()), a.value() < 0 ? "bar-negative" : "bar-positive")),
            String.format(Locale.ROOT, "%.3f", a.value()),
            a.feature() + ": " + a.method() + " " + String.format(Locale.ROOT, "%.4f", a.value()) + " over "
                + number(a.rows()) + " rows")));
    return "<p class=\"stats\">r: Pearson (point-biserial for a 0/1 label), V: Cramér's V, η: correlation ratio. "
        + "Each over the rows where both values are present.</p>\n"
        + BarChart.horizontal("label-association", "chart association", "Association with " + profile.label().get(), rows,
            "data-label", profile.label().get());
  }
}

package dev.kiln.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.profile.Profile.Association;
import dev.kiln.profile.Profile.Bin;
import dev.kiln.profile.Profile.ColumnProfile;
import dev.kiln.profile.Profile.CorrelationMatrix;
import dev.kiln.profile.Profile.NumericSummary;
import dev.kiln.profile.Profile.Quantile;
import dev.kiln.profile.Profile.ValueCount;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import dev.kiln.report.Svg;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The report's markup, without a browser (ProfileReportIT renders it in Chromium). */
class HtmlReportTest {

  static final String EVIL = "<script>alert('x')</script>";

  /** A hand-made profile: a numeric column, a categorical one whose name and values are markup, an empty one. */
  static Profile profile() {
    ColumnProfile age = new ColumnProfile("age", "double", ColumnKind.NUMERIC, 9, 1, 1, 7,
        Optional.of(new NumericSummary(18, 80, 41.5, 12.25, List.of(new Quantile(0.5, 40), new Quantile(0.95, 77)))),
        Optional.empty(), Optional.empty(),
        List.of(new Bin(18, 49, 5), new Bin(49, 80, 3)), List.of(), 0);
    ColumnProfile evil = new ColumnProfile(EVIL, "string", ColumnKind.CATEGORICAL, 8, 2, 0, 3, Optional.empty(),
        Optional.empty(), Optional.of(new Profile.LengthRange(1, EVIL.length())), List.of(),
        List.of(new ValueCount(EVIL, 5), new ValueCount("a&b \"q\"", 2)), 1);
    ColumnProfile nothing = new ColumnProfile("nothing", "double", ColumnKind.NUMERIC, 0, 10, 0, 0, Optional.empty(),
        Optional.empty(), Optional.empty(), List.of(), List.of(), 0);
    ColumnProfile label = new ColumnProfile("label", "int", ColumnKind.NUMERIC, 10, 0, 0, 2,
        Optional.of(new NumericSummary(0, 1, 0.4, 0.5, List.of())), Optional.empty(), Optional.empty(),
        List.of(new Bin(0, 1, 10)), List.of(), 0);
    List<String> matrixColumns = List.of("age", "label");
    return new Profile(10, List.of(age, evil, nothing, label),
        new CorrelationMatrix("pearson", matrixColumns, List.of(1.0, -0.42, -0.42, 1.0), Optional.empty()),
        new CorrelationMatrix("spearman", matrixColumns, List.of(1.0, Double.NaN, Double.NaN, 1.0), Optional.of(8L)),
        Optional.of("label"), List.of(new Association("age", Association.PEARSON, -0.42, 8),
            new Association(EVIL, Association.CRAMERS_V, 0.3, 8)));
  }

  static String render() {
    return HtmlReport.render(profile(), new ProfileRun("run-1", Instant.parse("2024-05-01T10:00:00Z"),
        "delta file:/w/<b>clean</b> @ version 3"));
  }

  @Test
  void everyChartHasAStableHook() {
    String html = render();
    assertTrue(html.startsWith("<!DOCTYPE html>"), html);
    assertTrue(svg(html, "missing-values", "chart missing-values", ""), "missing values");
    assertTrue(svg(html, "histogram-0", "chart histogram", "data-column=\"age\""), "age's histogram");
    assertTrue(svg(html, "histogram-3", "chart histogram", "data-column=\"label\""), "label's histogram");
    assertTrue(svg(html, "top-values-1", "chart top-values",
        "data-column=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\""), "top values, the name escaped");
    assertTrue(svg(html, "heatmap-pearson", "chart heatmap", "data-method=\"pearson\""), "pearson");
    assertTrue(svg(html, "heatmap-spearman", "chart heatmap", "data-method=\"spearman\""), "spearman");
    assertTrue(svg(html, "label-association", "chart association", "data-label=\"label\""), "association");
    assertEquals(2, html.split("<g class=\"legend\">", -1).length - 1, "a legend per heatmap");
    assertTrue(html.contains("<p class=\"note\">no values</p>"), "the all-null column says why it has no chart");
    assertEquals(4, html.split("<tr data-column=", -1).length - 1, "a summary row per column");
    assertTrue(html.contains("<title>age × label: -0.420</title>"), html);
    assertTrue(html.contains("<title>age × label: undefined</title>"), "NaN is shown as undefined");
  }

  private static boolean svg(String html, String id, String cssClass, String attributes) {
    return Pattern.compile("<svg [^>]*id=\"" + Pattern.quote(id) + "\" class=\"" + Pattern.quote(cssClass)
        + "\"[^>]*" + Pattern.quote(attributes) + "[^>]*>").matcher(html).find();
  }

  @Test
  void dataIsEscapedAndNothingIsLoadedOrRun() {
    String html = render();
    assertFalse(html.toLowerCase(Locale.ROOT).contains("<script"), "no script element, whatever the data");
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assertTrue(html.contains("a&amp;b &quot;q&quot;"));
    assertTrue(html.contains("Profile of delta file:/w/&lt;b&gt;clean&lt;/b&gt; @ version 3"));
    assertTrue(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""), "a CSP that forbids both");
    String outside = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for (String reference : List.of("http:", "https:", "src=", "<link", "@import", "href=")) {
      assertFalse(outside.contains(reference), "nothing fetched: " + reference);
    }
  }

  @Test
  void numbersAndColours() {
    assertEquals("1,234", Svg.number(1234));
    assertEquals("0.1235", Svg.number(0.123456));
    assertEquals("1.235e-05", Svg.number(0.0000123456));
    assertEquals("—", Svg.number(Double.NaN));
    assertEquals("#2166ac", HtmlReport.colour(-1));
    assertEquals("#f7f7f7", HtmlReport.colour(0));
    assertEquals("#b2182b", HtmlReport.colour(1));
    assertEquals("#c8ccd4", HtmlReport.colour(Double.NaN));
  }
}

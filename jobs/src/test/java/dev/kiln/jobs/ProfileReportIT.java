package dev.kiln.jobs;

import static dev.kiln.testing.ReportPages.count;
import static dev.kiln.testing.ReportPages.element;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of {@code kiln profile} as a browser shows it: headless Chromium (installed by
 * {@code testing/chromium/ensure-chromium.sh} when missing) loads it, dumps the DOM it built and takes a screenshot.
 * The screenshot and the DOM stay in {@code target/profile-report-it/} for a person to look at.
 */
class ProfileReportIT {

  private static final String SCRIPT = "<script>document.title='pwned'</script>";

  @TempDir
  Path dir;

  @Test
  void chromiumShowsEveryChartOfAMessyTablesReport() throws IOException, InterruptedException {
    Path out = Path.of("target", "profile-report-it").toAbsolutePath();
    HeadlessChromium chromium = HeadlessChromium.ensure(out);

    // 300 messy rows: nulls, NaN, infinity, a constant, an all-null column, unique ids and markup in the values.
    String table = "file:" + dir.resolve("messy");
    SharedSpark.session().range(300).selectExpr(
        "concat('cust-', id) as customer",
        "case when id % 9 = 0 then null when id % 31 = 0 then double('NaN') when id = 7 then double('Infinity') "
            + "else (id % 50) * 2.5D + id / 10D end as amount",
        "case when id % 13 = 0 then null else cast(18 + id % 60 as int) end as age",
        "1 as flat",
        "cast(null as double) as blank",
        "case id % 4 when 0 then 'basic' when 1 then 'pro' when 2 then \"" + SCRIPT + "\" end as plan",
        "date_add(date'2023-01-01', cast(id as int)) as signup",
        "cast((id % 4 = 1 or id % 60 > 45) as int) as churned")
        .write().format("delta").save(table);
    Path conf = dir.resolve("report.conf");
    Files.writeString(conf, """
        pipeline.name = report-it
        warehouse = "%s"
        source { format = generated, generated { rows = 1000, seed = 1 } }
        features { label = churned, numeric = [age], categorical = [plan] }
        spark.partitions = 2
        """.formatted(dir.resolve("wh")));
    Path report = out.resolve("profile.html");
    KilnCli.Outcome profiled = KilnCli.run("profile", conf.toString(), "--input", table, "--report",
        report.toString());
    assertEquals(0, profiled.exitCode(), profiled.toString());

    String dom = chromium.dumpDom(report);
    Files.writeString(out.resolve("profile.dom.html"), dom);
    for (String column : new String[] {"amount", "age", "flat", "churned"}) {
      assertTrue(svg(dom, "chart histogram", "data-column=\"" + column + "\""), "a histogram of " + column);
    }
    assertFalse(svg(dom, "chart histogram", "data-column=\"blank\""), "no histogram without values");
    assertTrue(svg(dom, "chart top-values", "data-column=\"plan\""), "plan's top values");
    assertTrue(svg(dom, "chart missing-values", ""), "the missing-values chart");
    assertTrue(count(dom, "<rect class=\"bar-null\"") >= 4, "null bars of amount, age, blank and plan");
    for (String method : new String[] {"pearson", "spearman"}) {
      String heatmap = element(dom, "heatmap-" + method);
      assertTrue(heatmap.contains("data-method=\"" + method + "\""), heatmap);
      // amount, age, churned (flat does not vary, blank has no values): 3 x 3 cells.
      assertEquals(9, count(heatmap, "<rect class=\"cell\""), method + " cells");
      assertTrue(heatmap.contains("<g class=\"legend\">") && heatmap.contains("<linearGradient"), "its legend");
    }
    assertTrue(count(element(dom, "histogram-1"), "<rect class=\"bar\"") >= 10, "amount's bars");
    assertTrue(svg(dom, "chart association", "data-label=\"churned\""), "associations with the label");

    // The markup in the data is text: no script element, and the page's title is its own.
    assertFalse(dom.toLowerCase(Locale.ROOT).contains("<script"), "no script element in the DOM");
    assertTrue(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"), "shown as text");
    assertTrue(dom.contains("<title>Profile of delta " + table + " @ version 0</title>"), "the title is unchanged");

    Path png = out.resolve("profile.png");
    chromium.screenshot(report, png, 1400, 3000);
    // Histogram bars, null bars, the heatmap's diagonal.
    dev.kiln.testing.ReportPages.assertColourful(png, 1400, 3000, 30_000, 0x4c72b0, 0xd1495b, 0xb2182b);
  }

  /** An {@code <svg>} of the class with the attributes, as Chromium serialises it (attributes in source order). */
  private static boolean svg(String dom, String cssClass, String attributes) {
    return Pattern.compile("<svg [^>]*class=\"" + Pattern.quote(cssClass) + "\"[^>]*" + Pattern.quote(attributes)
        + "[^>]*>").matcher(dom).find();
  }
}

package dev.kiln.report;

import static dev.kiln.report.Svg.shorten;

import java.util.List;

/** Horizontal bar charts: a label, a track with the bar's segments, and the value, one row per bar. */
public final class BarChart {

  /** One bar: segments as shares of the full width, stacked left to right. */
  public record Bar(String label, List<Segment> segments, String value, String tooltip) {}

  /** A share of the track's width in [0, 1], drawn with {@code cssClass}. */
  public record Segment(double share, String cssClass) {}

  private BarChart() {}

  /**
   * The chart as an {@code <svg>} with {@code id} and {@code cssClass}.
   *
   * @param attributes further attribute names and values of the {@code <svg>}, in pairs
   */
  public static String horizontal(String id, String cssClass, String ariaLabel, List<Bar> rows,
      String... attributes) {
    int labelWidth = 170;
    int trackWidth = 260;
    int rowHeight = 20;
    int width = labelWidth + trackWidth + 90;
    Svg svg = new Svg(id, cssClass, width, rows.size() * rowHeight + 8, ariaLabel, attributes);
    for (int i = 0; i < rows.size(); i++) {
      Bar row = rows.get(i);
      double y = 4 + i * rowHeight;
      svg.text(labelWidth - 8, y + 13, shorten(row.label(), 26), "end", "label", 0);
      svg.rect(labelWidth, y + 2, trackWidth, rowHeight - 6, "track", null, row.tooltip());
      double x = labelWidth;
      for (Segment segment : row.segments()) {
        double w = trackWidth * Math.max(0, Math.min(1, segment.share()));
        if (w > 0) {
          svg.rect(x, y + 2, Math.max(w, 1), rowHeight - 6, segment.cssClass(), null, row.tooltip());
          x += w;
        }
      }
      svg.text(labelWidth + trackWidth + 6, y + 13, row.value(), "start", "value", 0);
    }
    return svg.close();
  }
}

package dev.kiln.report;

import static dev.kiln.report.Svg.number;

import java.util.List;

/** A histogram as an {@code <svg>}: one bar per bin, the largest count and the range on the axes. */
public final class Histogram {

  /** {@code [low, high)} (the last bin also holds {@code high}) and how many values fell in it. */
  public record Bin(double low, double high, long count) {}

  private Histogram() {}

  /**
   * @param bins at least one, in order
   * @param attributes further attribute names and values of the {@code <svg>}, in pairs
   */
  public static String svg(String id, String cssClass, String ariaLabel, List<Bin> bins, String... attributes) {
    int width = 380;
    int height = 170;
    int left = 48;
    int bottom = 28;
    int top = 8;
    double plotWidth = width - left - 10;
    double plotHeight = height - top - bottom;
    long most = bins.stream().mapToLong(Bin::count).max().orElse(1);
    Svg svg = new Svg(id, cssClass, width, height, ariaLabel, attributes);
    double barWidth = plotWidth / bins.size();
    for (int i = 0; i < bins.size(); i++) {
      Bin bin = bins.get(i);
      if (bin.count() > 0) {
        double h = plotHeight * bin.count() / Math.max(1, most);
        svg.rect(left + i * barWidth + 0.5, top + plotHeight - h, Math.max(barWidth - 1, 1), h, "bar", null,
            "[" + number(bin.low()) + ", " + number(bin.high()) + (i == bins.size() - 1 ? "]" : ")") + ": "
                + number(bin.count()));
      }
    }
    svg.line(left, top + plotHeight, left + plotWidth, top + plotHeight, "axis")
        .line(left, top, left, top + plotHeight, "axis")
        .text(left - 4, top + 9, number(most), "end", "axis", 0)
        .text(left - 4, top + plotHeight, "0", "end", "axis", 0)
        .text(left, height - 10, number(bins.get(0).low()), "start", "axis", 0)
        .text(left + plotWidth, height - 10, number(bins.get(bins.size() - 1).high()), "end", "axis", 0);
    return svg.close();
  }
}

package dev.kiln.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * A small writer of inline SVG for Kiln's HTML reports (the profile's and the evaluation's): shapes and text with
 * every text and attribute value escaped, so a data value can never become markup.
 */
public final class Svg {

  private final StringBuilder out = new StringBuilder();

  /**
   * Opens an {@code <svg>} element.
   *
   * @param attributes further attribute names and values, in pairs (values are escaped)
   */
  public Svg(String id, String cssClass, int width, int height, String label, String... attributes) {
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"").append(escape(id)).append("\" class=\"")
        .append(escape(cssClass)).append("\" width=\"").append(width).append("\" height=\"").append(height)
        .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" role=\"img\" aria-label=\"")
        .append(escape(label)).append('"');
    for (int i = 0; i < attributes.length; i += 2) {
      out.append(' ').append(attributes[i]).append("=\"").append(escape(attributes[i + 1])).append('"');
    }
    out.append('>');
  }

  /** A rectangle with a tooltip ({@code <title>}), if one is given. */
  public Svg rect(double x, double y, double width, double height, String cssClass, String fill, String tooltip) {
    out.append("<rect class=\"").append(escape(cssClass)).append("\" x=\"").append(coordinate(x)).append("\" y=\"")
        .append(coordinate(y)).append("\" width=\"").append(coordinate(width)).append("\" height=\"")
        .append(coordinate(height)).append('"');
    if (fill != null) {
      out.append(" fill=\"").append(escape(fill)).append('"');
    }
    if (tooltip == null) {
      out.append("/>");
    } else {
      out.append("><title>").append(escape(tooltip)).append("</title></rect>");
    }
    return this;
  }

  /** Text; {@code anchor} is {@code start}, {@code middle} or {@code end}; {@code rotate} in degrees about (x, y). */
  public Svg text(double x, double y, String text, String anchor, String cssClass, double rotate) {
    out.append("<text class=\"").append(escape(cssClass)).append("\" x=\"").append(coordinate(x)).append("\" y=\"")
        .append(coordinate(y)).append("\" text-anchor=\"").append(anchor).append('"');
    if (rotate != 0) {
      out.append(" transform=\"rotate(").append(coordinate(rotate)).append(' ').append(coordinate(x)).append(' ')
          .append(coordinate(y)).append(")\"");
    }
    out.append('>').append(escape(text)).append("</text>");
    return this;
  }

  public Svg line(double x1, double y1, double x2, double y2, String cssClass) {
    out.append("<line class=\"").append(escape(cssClass)).append("\" x1=\"").append(coordinate(x1))
        .append("\" y1=\"").append(coordinate(y1)).append("\" x2=\"").append(coordinate(x2)).append("\" y2=\"")
        .append(coordinate(y2)).append("\"/>");
    return this;
  }

  /** A line through {@code points} ({x, y} pairs), unfilled. */
  public Svg polyline(java.util.List<double[]> points, String cssClass) {
    out.append("<polyline class=\"").append(escape(cssClass)).append("\" fill=\"none\" points=\"");
    for (int i = 0; i < points.size(); i++) {
      out.append(i == 0 ? "" : " ").append(coordinate(points.get(i)[0])).append(',')
          .append(coordinate(points.get(i)[1]));
    }
    out.append("\"/>");
    return this;
  }

  /** A dot with a tooltip, if one is given. */
  public Svg circle(double x, double y, double radius, String cssClass, String tooltip) {
    out.append("<circle class=\"").append(escape(cssClass)).append("\" cx=\"").append(coordinate(x))
        .append("\" cy=\"").append(coordinate(y)).append("\" r=\"").append(coordinate(radius)).append('"');
    if (tooltip == null) {
      out.append("/>");
    } else {
      out.append("><title>").append(escape(tooltip)).append("</title></circle>");
    }
    return this;
  }

  /** Markup made by this class's callers from escaped parts only (gradients). */
  public Svg raw(String markup) {
    out.append(markup);
    return this;
  }

  public String close() {
    return out.append("</svg>").toString();
  }

  /** Text safe in HTML content and in double- or single-quoted attributes. */
  public static String escape(String text) {
    StringBuilder escaped = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> escaped.append("&amp;");
        case '<' -> escaped.append("&lt;");
        case '>' -> escaped.append("&gt;");
        case '"' -> escaped.append("&quot;");
        case '\'' -> escaped.append("&#39;");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }

  /** At most {@code max} characters, an ellipsis marking a cut. */
  public static String shorten(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }

  /** A number for people: whole numbers with separators, others to four significant digits. */
  public static String number(double v) {
    if (Double.isNaN(v)) {
      return "—";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "∞" : "−∞";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) v);
    }
    double magnitude = Math.abs(v);
    if (magnitude >= 1e9 || magnitude < 1e-3) {
      return String.format(Locale.ROOT, "%.3e", v);
    }
    return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }

  private static String coordinate(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}

package dev.kiln.bench;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The results as a Markdown table, one row per {@link Comparison}, ready to paste into bench/README.md. */
final class ResultsTable {

  private ResultsTable() {}

  static String markdown(List<Comparison> comparisons) {
    StringBuilder out = new StringBuilder();
    out.append("| benchmark | baseline | Kiln | median baseline | median Kiln | ratio | target | result |\n");
    out.append("|---|---|---|---:|---:|---:|---:|---|\n");
    for (Comparison c : comparisons) {
      out.append(String.join(" | ", "| " + c.benchmark(), c.baseline(), c.kiln(),
          format(c.medianBaseline(), c.unit()) + " " + spread(c.baselineValues(), c.unit()),
          format(c.medianKiln(), c.unit()) + " " + spread(c.kilnValues(), c.unit()),
          percent(c.ratio()),
          c.target().isPresent() ? "≤ " + percent(c.target().getAsDouble()) : "(info)",
          c.target().isEmpty() ? "—" : c.passes() ? "pass" : "**FAIL**")).append(" |\n");
    }
    return out.toString();
  }

  static String format(double value, Comparison.Unit unit) {
    return switch (unit) {
      case BYTES -> value >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", value / 1e9)
          : String.format(Locale.ROOT, "%.1f MB", value / 1e6);
      case SECONDS -> String.format(Locale.ROOT, "%.2f s", value);
      case ROWS -> String.format(Locale.ROOT, "%,.0f rows", value);
    };
  }

  static String percent(double ratio) {
    return String.format(Locale.ROOT, ratio < 0.1 ? "%.2f %%" : "%.1f %%", ratio * 100);
  }

  /** Every repetition's value, so a reader sees the noise behind the median (the bytes rarely vary). */
  private static String spread(List<Double> values, Comparison.Unit unit) {
    if (values.stream().distinct().count() == 1) {
      return "(n=" + values.size() + ")";
    }
    return values.stream().map(v -> unit == Comparison.Unit.SECONDS
        ? String.format(Locale.ROOT, "%.1f", v) : format(v, unit).replace(" ", ""))
        .collect(Collectors.joining(", ", "(", ")"));
  }
}

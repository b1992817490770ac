package dev.kiln.monitor;

import java.time.LocalDate;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One value a monitoring run measured, and whether it crossed its threshold: a row of the monitoring table.
 *
 * @param day the day it is of; empty for the whole window
 * @param column the input column, {@code prediction} or {@code probability}; empty for the model's own metrics
 *     (rows, live metrics)
 * @param metric {@code psi}, {@code ks}, {@code null_rate}, {@code rows}, {@code labelled_rows}, or a live metric
 *     ({@code auc_roc}, {@code accuracy}, {@code log_loss}, {@code rmse}, {@code mae})
 * @param value the measured value (for {@code null_rate}: the recent missing share)
 * @param baseline what it is compared with: the training missing share, the registered held-out metric
 * @param threshold the configured threshold it was judged against; empty when it is not judged (per-day rows, too few
 *     labelled rows)
 * @param crossed whether it crossed the threshold (see docs/monitoring.md for each metric's rule)
 * @param rows the rows the value is measured on
 */
public record Check(Optional<LocalDate> day, Optional<String> column, String metric, double value,
    OptionalDouble baseline, OptionalDouble threshold, boolean crossed, long rows) {

  /** A value of the whole window judged against {@code threshold}. */
  static Check judged(String column, String metric, double value, OptionalDouble baseline, double threshold,
      boolean crossed, long rows) {
    return new Check(Optional.empty(), Optional.ofNullable(column), metric, value, baseline,
        OptionalDouble.of(threshold), crossed, rows);
  }

  /** A value recorded without a threshold. */
  static Check recorded(Optional<LocalDate> day, String metric, double value, OptionalDouble baseline, long rows) {
    return new Check(day, Optional.empty(), metric, value, baseline, OptionalDouble.empty(), false, rows);
  }

  /**
   * One line for people: {@code amount psi 1.234 > 0.2}, {@code age null_rate 0.200 vs 0.050 in training (change >
   * 0.1)}, {@code auc_roc 0.712 vs 0.990 registered (drop > 0.05)}.
   */
  public String describe() {
    String name = column.map(c -> c + " ").orElse("") + metric + " " + format(value);
    String limit = threshold.isPresent() ? format(threshold.getAsDouble()) : null;
    if (baseline.isEmpty()) {
      return name + (limit == null ? "" : (crossed ? " > " : " <= ") + limit);
    }
    String reference = format(baseline.getAsDouble()) + (column.isPresent() ? " in training" : " registered");
    return name + " vs " + reference + (limit == null ? ""
        : " (" + (column.isPresent() ? "change" : "drop") + (crossed ? " > " : " <= ") + limit + ")");
  }

  private static String format(double v) {
    return String.format(java.util.Locale.ROOT, v == Math.rint(v) && Math.abs(v) < 1e15 ? "%.0f" : "%.3f", v);
  }
}

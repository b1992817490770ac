package dev.kiln.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * One row of the results: a figure measured for a baseline and for Kiln in the same run, over the same repetitions,
 * and the target the ratio Kiln / baseline must meet. Figures without a target are shown for information only.
 *
 * @param benchmark what is compared, e.g. {@code Parquet 1 % sample: bytes read}
 * @param baseline what the baseline does
 * @param kiln what Kiln does
 * @param unit how the values print
 * @param baselineValues the baseline's value in each repetition
 * @param kilnValues Kiln's value in each repetition
 * @param target the largest ratio that passes, or empty when the figure is informative
 */
record Comparison(String benchmark, String baseline, String kiln, Unit unit, List<Double> baselineValues,
    List<Double> kilnValues, OptionalDouble target) {

  /** How a figure prints. */
  enum Unit { BYTES, SECONDS, ROWS }

  Comparison {
    if (baselineValues.isEmpty() || kilnValues.isEmpty()) {
      throw new IllegalArgumentException("no measurements for " + benchmark);
    }
    baselineValues = List.copyOf(baselineValues);
    kilnValues = List.copyOf(kilnValues);
  }

  double medianBaseline() {
    return median(baselineValues);
  }

  double medianKiln() {
    return median(kilnValues);
  }

  /** Median of Kiln over median of the baseline: medians, because one slow repetition on a shared machine is noise. */
  double ratio() {
    return medianKiln() / medianBaseline();
  }

  boolean passes() {
    return target.isEmpty() || ratio() <= target.getAsDouble();
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}

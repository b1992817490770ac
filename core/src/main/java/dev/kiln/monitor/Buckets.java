package dev.kiln.monitor;

import java.util.ArrayList;
import java.util.List;

/**
 * How one column's values are bucketed for drift: fixed when the training baseline is recorded, so the training rows
 * and every later window are counted in the same buckets.
 *
 * <ul>
 *   <li><b>Numeric</b>: right-closed buckets between ascending, distinct {@code edges} (the training split's
 *       approximate quantiles at every percentile and at the PSI bins' edges): bucket 0 is {@code (-inf, edges[0]]},
 *       bucket {@code i} is {@code (edges[i-1], edges[i]]}, and the last, {@code (edges[n-1], +inf)}, holds what lies
 *       above the training maximum. Fine enough for the KS statistic; the PSI's coarser bins ({@code binEdges}, a
 *       subset of {@code edges}: the quantiles at {@code 1/bins, 2/bins, ...}, equal ones merged, the first and last
 *       bins open-ended) are sums of them.</li>
 *   <li><b>Categorical</b>: one bucket per value in {@code values} (the training split's most frequent, as text),
 *       and a last bucket for every other value.</li>
 * </ul>
 *
 * @param edges numeric: the buckets' upper edges, ascending and distinct; empty for a categorical column (and for a
 *     numeric column without a single training value: one bucket then)
 * @param binEdges numeric: the PSI bins' upper edges, each one of {@code edges}
 * @param values categorical: the values with a bucket of their own, most frequent in training first
 */
public record Buckets(Kind kind, List<Double> edges, List<Double> binEdges, List<String> values) {

  /** Numeric columns are bucketed by value ranges, the rest by value. */
  public enum Kind { NUMERIC, CATEGORICAL }

  public Buckets {
    edges = List.copyOf(edges);
    binEdges = List.copyOf(binEdges);
    values = List.copyOf(values);
    for (int i = 1; i < edges.size(); i++) {
      if (!(edges.get(i - 1) < edges.get(i))) {
        throw new IllegalArgumentException("edges must ascend strictly: " + edges);
      }
    }
    if (!edges.containsAll(binEdges)) {
      throw new IllegalArgumentException("bin edges " + binEdges + " must be among the edges " + edges);
    }
    if (kind == Kind.CATEGORICAL && !edges.isEmpty() || kind == Kind.NUMERIC && !values.isEmpty()) {
      throw new IllegalArgumentException(kind + " buckets with edges " + edges + " and values " + values);
    }
  }

  public static Buckets numeric(List<Double> edges, List<Double> binEdges) {
    return new Buckets(Kind.NUMERIC, edges, binEdges, List.of());
  }

  public static Buckets categorical(List<String> values) {
    return new Buckets(Kind.CATEGORICAL, List.of(), List.of(), values);
  }

  public boolean numeric() {
    return kind == Kind.NUMERIC;
  }

  /** How many buckets there are: one more than the edges or the values. */
  public int size() {
    return numeric() ? edges.size() + 1 : values.size() + 1;
  }

  /** How many PSI bins there are: numeric, one more than the bin edges; categorical, one per bucket. */
  public int bins() {
    return numeric() ? binEdges.size() + 1 : size();
  }

  /** The PSI bin of bucket {@code bucket}: the number of bin edges below the bucket's upper edge. */
  public int binOf(int bucket) {
    if (!numeric()) {
      return bucket;
    }
    if (bucket == edges.size()) {
      return binEdges.size();
    }
    double upper = edges.get(bucket);
    int bin = 0;
    while (bin < binEdges.size() && binEdges.get(bin) < upper) {
      bin++;
    }
    return bin;
  }

  /** The bins' names for reports: {@code ≤ 12.5}, {@code (12.5, 40]}, {@code > 40}; a categorical value, or "other". */
  public List<String> binLabels() {
    List<String> labels = new ArrayList<>();
    if (!numeric()) {
      labels.addAll(values);
      labels.add(OTHER);
      return labels;
    }
    if (binEdges.isEmpty()) {
      return List.of("all values");
    }
    labels.add("≤ " + number(binEdges.get(0)));
    for (int i = 1; i < binEdges.size(); i++) {
      labels.add("(" + number(binEdges.get(i - 1)) + ", " + number(binEdges.get(i)) + "]");
    }
    labels.add("> " + number(binEdges.get(binEdges.size() - 1)));
    return labels;
  }

  /** The name of the categorical bucket that holds every value without one of its own. */
  public static final String OTHER = "(other)";

  private static String number(double v) {
    return dev.kiln.report.Svg.number(v);
  }
}

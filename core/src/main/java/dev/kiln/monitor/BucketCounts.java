package dev.kiln.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many of a column's values fell in each of its {@link Buckets}: the state every drift metric is computed from.
 * States over the same buckets {@linkplain #merge merge} by adding, so a window is the sum of its days and a
 * metric of the window never needs the rows again.
 *
 * @param rows rows counted, missing values included
 * @param missing rows whose value is null (or, for numeric columns, NaN or infinite)
 * @param counts per bucket, in bucket order; they add up to {@code rows - missing}
 * @param unseen categorical: a few values outside the buckets' own, with their counts (already part of the last
 *     bucket's count): the new categories a report can name
 */
public record BucketCounts(long rows, long missing, List<Long> counts, Map<String, Long> unseen) {

  public BucketCounts {
    counts = List.copyOf(counts);
    unseen = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(unseen));
    long present = counts.stream().mapToLong(Long::longValue).sum();
    if (missing < 0 || present != rows - missing) {
      throw new IllegalArgumentException("bucket counts " + counts + " do not add up to " + rows + " rows less "
          + missing + " missing");
    }
  }

  /** Nothing counted, over {@code buckets} buckets. */
  public static BucketCounts empty(int buckets) {
    return new BucketCounts(0, 0, java.util.Collections.nCopies(buckets, 0L), Map.of());
  }

  /** Rows with a value. */
  public long present() {
    return rows - missing;
  }

  /** The share of rows without a value; NaN on no rows. */
  public double missingRate() {
    return rows == 0 ? Double.NaN : (double) missing / rows;
  }

  /** The sum of both states, which must count the same buckets; unseen values keep the larger named ones. */
  public BucketCounts merge(BucketCounts other) {
    if (other.counts.size() != counts.size()) {
      throw new IllegalArgumentException("cannot merge counts of " + counts.size() + " and " + other.counts.size()
          + " buckets");
    }
    List<Long> sum = new ArrayList<>(counts.size());
    for (int i = 0; i < counts.size(); i++) {
      sum.add(counts.get(i) + other.counts.get(i));
    }
    Map<String, Long> names = new LinkedHashMap<>(unseen);
    other.unseen.forEach((value, n) -> names.merge(value, n, Long::sum));
    return new BucketCounts(rows + other.rows, missing + other.missing, sum, names);
  }

  /** The present values' shares per PSI bin of {@code buckets}; all zero when no value is present. */
  public double[] binShares(Buckets buckets) {
    long[] perBin = new long[buckets.bins()];
    for (int i = 0; i < counts.size(); i++) {
      perBin[buckets.binOf(i)] += counts.get(i);
    }
    double[] shares = new double[perBin.length];
    for (int bin = 0; bin < perBin.length && present() > 0; bin++) {
      shares[bin] = (double) perBin[bin] / present();
    }
    return shares;
  }
}

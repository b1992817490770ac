package dev.kiln.monitor;

/**
 * One column's distribution in training, as drift compares recent values with it: its buckets and their counts.
 *
 * @param name the input column (or {@code prediction}, {@code probability})
 */
public record ColumnBaseline(String name, Buckets buckets, BucketCounts counts) {

  public ColumnBaseline {
    if (counts.counts().size() != buckets.size()) {
      throw new IllegalArgumentException("column '" + name + "': " + counts.counts().size() + " counts for "
          + buckets.size() + " buckets");
    }
  }
}

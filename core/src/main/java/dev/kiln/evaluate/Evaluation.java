package dev.kiln.evaluate;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a model did on held-out rows: the scalar {@link #metrics} the registry keeps, and what a report draws —
 * ROC and precision-recall curves (binary), the confusion matrix (classification), residuals (regression).
 *
 * @param task {@code binary}, {@code multiclass} or {@code regression}
 * @param metrics the registry's metrics, by name (docs/evaluation.md defines each)
 * @param roc false positive rate (x) against true positive rate (y), from (0, 0) to (1, 1); at most
 *     {@link #CURVE_POINTS} points, down-sampled evenly from the exact curve; empty unless binary
 * @param pr recall (x) against precision (y), as {@code roc}; empty unless binary
 */
public record Evaluation(String task, Map<String, Double> metrics, List<Point> roc, List<Point> pr,
    Optional<ConfusionMatrix> confusion, Optional<Residuals> residuals) {

  /** The most points a curve keeps for drawing; the areas are computed on the exact curve. */
  public static final int CURVE_POINTS = 200;

  /** The most (actual, predicted) pairs kept for a scatter plot. */
  public static final int SCATTER_POINTS = 1_000;

  public Evaluation {
    metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    roc = List.copyOf(roc);
    pr = List.copyOf(pr);
  }

  public record Point(double x, double y) {}

  /** {@code [low, high)} (the last bin also holds {@code high}) and how many values fell in it. */
  public record Bin(double low, double high, long count) {}

  /**
   * Regression residuals, {@code actual − predicted}: their histogram over all held-out rows, and a seeded sample of
   * at most {@link #SCATTER_POINTS} rows as points (actual, predicted).
   */
  public record Residuals(List<Bin> histogram, List<Point> actualVsPredicted) {
    public Residuals {
      histogram = List.copyOf(histogram);
      actualVsPredicted = List.copyOf(actualVsPredicted);
    }
  }

  /**
   * Held-out rows counted by actual class (rows) and predicted class (columns).
   *
   * @param classes the class names, in the model's class order
   * @param counts {@code counts[actual][predicted]}
   */
  public record ConfusionMatrix(List<String> classes, long[][] counts) {

    public ConfusionMatrix {
      classes = List.copyOf(classes);
      long[][] copy = new long[counts.length][];
      for (int i = 0; i < counts.length; i++) {
        copy[i] = counts[i].clone();
        if (copy[i].length != classes.size()) {
          throw new IllegalArgumentException("row " + i + " has " + copy[i].length + " counts, not "
              + classes.size());
        }
      }
      if (copy.length != classes.size()) {
        throw new IllegalArgumentException(copy.length + " rows for " + classes.size() + " classes");
      }
      counts = copy;
    }

    public long count(int actual, int predicted) {
      return counts[actual][predicted];
    }

    public int size() {
      return classes.size();
    }

    public long total() {
      long total = 0;
      for (long[] row : counts) {
        for (long n : row) {
          total += n;
        }
      }
      return total;
    }

    public long correct() {
      long correct = 0;
      for (int i = 0; i < counts.length; i++) {
        correct += counts[i][i];
      }
      return correct;
    }

    /** Rows whose actual class is {@code c}. */
    public long support(int c) {
      long n = 0;
      for (long v : counts[c]) {
        n += v;
      }
      return n;
    }

    /** Rows predicted as {@code c}. */
    public long predicted(int c) {
      long n = 0;
      for (long[] row : counts) {
        n += row[c];
      }
      return n;
    }

    /** Of the rows predicted {@code c}, the share that are; 0 when none is predicted {@code c}. */
    public double precision(int c) {
      return ratio(counts[c][c], predicted(c));
    }

    /** Of the rows that are {@code c}, the share predicted {@code c}; 0 when there are none. */
    public double recall(int c) {
      return ratio(counts[c][c], support(c));
    }

    public double f1(int c) {
      double p = precision(c);
      double r = recall(c);
      return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
    }

    private static double ratio(long part, long whole) {
      return whole == 0 ? 0.0 : (double) part / whole;
    }
  }
}

package dev.kiln.monitor;

/**
 * The drift statistics of one column, from the bucket counts of the training baseline and of a recent window
 * ({@link BucketCounts}). Both are over the values present; missing values are measured apart, by their share.
 */
public final class DriftMetrics {

  /**
   * The smallest share a PSI bin is given: an empty bin on either side would make {@code ln(r / b)} infinite, so
   * shares below it count as {@code 1e-4}. A category that training never saw, with a recent share {@code r}, then
   * adds about {@code r · ln(r / 1e-4)}: 0.1 of the rows give 0.69, far above the usual 0.2 threshold.
   */
  public static final double EPSILON = 1e-4;

  private DriftMetrics() {}

  /**
   * The population stability index of two distributions over the same bins:
   * {@code PSI = Σ (r_i − b_i) · ln(r_i / b_i)}, with {@code b_i} the baseline's and {@code r_i} the recent share of
   * bin {@code i}, each at least {@link #EPSILON}. 0 for identical shares; by convention below 0.1 is stable, 0.1 to
   * 0.25 a moderate shift, above 0.25 a large one.
   */
  public static double psi(double[] baseline, double[] recent) {
    if (baseline.length != recent.length) {
      throw new IllegalArgumentException("PSI of " + baseline.length + " and " + recent.length + " bins");
    }
    double psi = 0;
    for (int i = 0; i < baseline.length; i++) {
      double b = Math.max(baseline[i], EPSILON);
      double r = Math.max(recent[i], EPSILON);
      psi += (r - b) * Math.log(r / b);
    }
    return psi;
  }

  /**
   * The PSI of a column over its bins (numeric: {@link Buckets#binEdges}; categorical: its values and "other"); NaN
   * when either side has no value.
   */
  public static double psi(Buckets buckets, BucketCounts baseline, BucketCounts recent) {
    if (baseline.present() == 0 || recent.present() == 0) {
      return Double.NaN;
    }
    return psi(baseline.binShares(buckets), recent.binShares(buckets));
  }

  /**
   * The two-sample Kolmogorov–Smirnov statistic of a numeric column, {@code max |F_b(x) − F_r(x)|} over the
   * empirical distribution functions of the training values and the recent ones, <b>evaluated at the bucket edges</b>
   * (the training split's approximate quantiles at every percentile: up to 101 points, plus the PSI bins' edges).
   * Both functions are exact there, since both sides are counted in the same buckets; between two edges neither is
   * known, so the result can fall short of the exact statistic by at most the training mass between two adjacent
   * edges (about 1%, plus {@code percentile_approx}'s rank error of 1/10,000), and never exceeds it. NaN when either
   * side has no value, or the column is not numeric.
   */
  public static double ks(Buckets buckets, BucketCounts baseline, BucketCounts recent) {
    if (!buckets.numeric() || baseline.present() == 0 || recent.present() == 0) {
      return Double.NaN;
    }
    long cumulativeBaseline = 0;
    long cumulativeRecent = 0;
    double ks = 0;
    // The last bucket's upper edge is +inf, where both functions are 1.
    for (int i = 0; i < buckets.edges().size(); i++) {
      cumulativeBaseline += baseline.counts().get(i);
      cumulativeRecent += recent.counts().get(i);
      ks = Math.max(ks, Math.abs((double) cumulativeBaseline / baseline.present()
          - (double) cumulativeRecent / recent.present()));
    }
    return ks;
  }
}

package dev.kiln.bench;

import java.util.List;
import java.util.Optional;

/**
 * Every fit of both tools for one size and one model, and whether Kiln meets the per-row targets: a held-out
 * metric at most {@value #METRIC_TOLERANCE} below scikit-learn's, and, from {@value #TIME_TARGET_FROM} rows, a
 * shorter fit. Times and metrics are the medians of the runs.
 */
record PeerResult(long size, PeerModel model, List<PeerFit> kiln, List<PeerFit> sklearn) {

  /** How far below scikit-learn's metric Kiln's may be: half a point of AUC-ROC or R². */
  static final double METRIC_TOLERANCE = 0.005;
  /** The smallest table on which Kiln must fit faster. */
  static final long TIME_TARGET_FROM = 10_000_000;

  PeerResult {
    if (kiln.isEmpty() || sklearn.isEmpty()) {
      throw new IllegalArgumentException("no fits of " + model.key() + " on " + size + " rows");
    }
    kiln = List.copyOf(kiln);
    sklearn = List.copyOf(sklearn);
  }

  double kilnSeconds() {
    return Comparison.median(kiln.stream().map(PeerFit::seconds).toList());
  }

  double sklearnSeconds() {
    return Comparison.median(sklearn.stream().map(PeerFit::seconds).toList());
  }

  double kilnMetric() {
    return Comparison.median(kiln.stream().map(f -> f.metric(model)).toList());
  }

  double sklearnMetric() {
    return Comparison.median(sklearn.stream().map(f -> f.metric(model)).toList());
  }

  /** Kiln's metric minus scikit-learn's, in points (hundredths). */
  double differencePoints() {
    return (kilnMetric() - sklearnMetric()) * 100;
  }

  /** How many times as long scikit-learn took: above 1, Kiln was faster. */
  double timeRatio() {
    return sklearnSeconds() / kilnSeconds();
  }

  boolean metricMet() {
    return kilnMetric() >= sklearnMetric() - METRIC_TOLERANCE;
  }

  /** Whether Kiln fitted faster, where the target applies (from {@value #TIME_TARGET_FROM} rows). */
  Optional<Boolean> timeMet() {
    return size >= TIME_TARGET_FROM ? Optional.of(kilnSeconds() < sklearnSeconds()) : Optional.empty();
  }
}

package dev.kiln.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The peer comparison's verdict: one Markdown table of every size and model against the per-row targets
 * ({@link PeerResult}), then the scaling check — Kiln's fit time from the smallest to the largest size may grow at
 * most linearly with the rows, with {@value #SCALING_TOLERANCE} of slack for a noisy machine.
 */
final class PeerTable {

  /** How much more than linear Kiln's fit time may grow from the smallest to the largest size. */
  static final double SCALING_TOLERANCE = 0.10;

  /** Kiln's growth in fit time for one model between the smallest and the largest size measured. */
  record Scaling(PeerModel model, PeerResult smallest, PeerResult largest) {

    /** Kiln's fit time at the largest size over that at the smallest. */
    double growth() {
      return largest.kilnSeconds() / smallest.kilnSeconds();
    }

    double rowsGrowth() {
      return (double) largest.size() / smallest.size();
    }

    /** The largest growth that passes: linear in the rows, plus the tolerance. */
    double limit() {
      return rowsGrowth() * (1 + SCALING_TOLERANCE);
    }

    boolean passes() {
      return growth() <= limit();
    }

    double sklearnGrowth() {
      return largest.sklearnSeconds() / smallest.sklearnSeconds();
    }
  }

  private PeerTable() {}

  /** Every size and model, in the order measured. */
  static String markdown(List<PeerResult> results) {
    StringBuilder out = new StringBuilder();
    out.append("| rows | model | Kiln fit | scikit-learn fit | scikit-learn / Kiln time | Kiln metric "
        + "| scikit-learn metric | difference (points) | targets |\n");
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (PeerResult r : results) {
      out.append(String.join(" | ", "| " + String.format(Locale.ROOT, "%,d", r.size()), r.model().title(),
          seconds(r.kilnSeconds(), r.kiln()), seconds(r.sklearnSeconds(), r.sklearn()),
          String.format(Locale.ROOT, "%.2f×", r.timeRatio()),
          String.format(Locale.ROOT, "%s %.4f", r.model().metricName(), r.kilnMetric()),
          String.format(Locale.ROOT, "%s %.4f", r.model().metricName(), r.sklearnMetric()),
          String.format(Locale.ROOT, "%+.2f", r.differencePoints()),
          "metric " + verdict(r.metricMet()) + "; time " + r.timeMet().map(PeerTable::verdict)
              .orElse(String.format(Locale.ROOT, "(info below %,d rows)", PeerResult.TIME_TARGET_FROM))))
          .append(" |\n");
    }
    return out.toString();
  }

  /** Per model, the smallest and the largest size measured (none for a model measured at one size only). */
  static List<Scaling> scaling(List<PeerResult> results) {
    List<Scaling> checks = new ArrayList<>();
    for (PeerModel model : PeerModel.values()) {
      List<PeerResult> of = results.stream().filter(r -> r.model() == model)
          .sorted(Comparator.comparingLong(PeerResult::size)).toList();
      if (of.size() >= 2 && of.get(0).size() < of.get(of.size() - 1).size()) {
        checks.add(new Scaling(model, of.get(0), of.get(of.size() - 1)));
      }
    }
    return checks;
  }

  static String scalingMarkdown(List<Scaling> checks) {
    if (checks.isEmpty()) {
      return "Scaling: not checked (one size only).\n";
    }
    StringBuilder out = new StringBuilder();
    out.append("| model | Kiln fit, smallest | Kiln fit, largest | Kiln growth | rows growth | target "
        + "| result | scikit-learn growth (info) |\n");
    out.append("|---|---:|---:|---:|---:|---:|---|---:|\n");
    for (Scaling s : checks) {
      out.append(String.format(Locale.ROOT, "| %s | %.2f s (%,d rows) | %.2f s (%,d rows) | %.2f× | %.2f× "
              + "| ≤ %.2f× | %s | %.2f× |%n", s.model().title(), s.smallest().kilnSeconds(), s.smallest().size(),
          s.largest().kilnSeconds(), s.largest().size(), s.growth(), s.rowsGrowth(), s.limit(),
          verdict(s.passes()), s.sklearnGrowth()));
    }
    return out.toString();
  }

  /** Whether every target is met: each row's metric and (where it applies) time, and every scaling check. */
  static boolean passes(List<PeerResult> results) {
    return results.stream().allMatch(r -> r.metricMet() && r.timeMet().orElse(true))
        && scaling(results).stream().allMatch(Scaling::passes);
  }

  /** The targets missed, one line each; empty when all are met. */
  static List<String> missed(List<PeerResult> results) {
    List<String> missed = new ArrayList<>();
    for (PeerResult r : results) {
      String at = String.format(Locale.ROOT, "%,d rows, %s: ", r.size(), r.model().title());
      if (!r.metricMet()) {
        missed.add(at + String.format(Locale.ROOT, "Kiln's %s %.4f is more than %.1f points below "
            + "scikit-learn's %.4f", r.model().metricName(), r.kilnMetric(), PeerResult.METRIC_TOLERANCE * 100,
            r.sklearnMetric()));
      }
      if (!r.timeMet().orElse(true)) {
        missed.add(at + String.format(Locale.ROOT, "Kiln fitted in %.2f s, scikit-learn in %.2f s", r.kilnSeconds(),
            r.sklearnSeconds()));
      }
    }
    for (Scaling s : scaling(results)) {
      if (!s.passes()) {
        missed.add(String.format(Locale.ROOT, "%s: Kiln's fit time grew %.2f× from %,d to %,d rows (at most "
            + "%.2f×)", s.model().title(), s.growth(), s.smallest().size(), s.largest().size(), s.limit()));
      }
    }
    return missed;
  }

  private static String verdict(boolean met) {
    return met ? "pass" : "**FAIL**";
  }

  /** The median, with every run's time when there were several. */
  private static String seconds(double median, List<PeerFit> fits) {
    String text = String.format(Locale.ROOT, "%.2f s", median);
    return fits.size() == 1 ? text : text + fits.stream().map(f -> String.format(Locale.ROOT, "%.1f", f.seconds()))
        .collect(Collectors.joining(", ", " (", ")"));
  }
}

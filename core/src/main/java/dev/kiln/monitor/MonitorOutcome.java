package dev.kiln.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.config.PipelineConfig.MonitoringConfig;
import dev.kiln.monitor.DriftAnalysis.ColumnDrift;
import dev.kiln.monitor.RecentData.DateWindow;
import dev.kiln.registry.ModelVersion;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What one {@code kiln monitor} run found: the drift of a window of a version's predictions, its live metrics if
 * labels were given, and every value judged against the config's thresholds ({@link #judge}).
 *
 * @param input the recent table and window, as {@link RecentData#describe} says
 * @param registered the version's held-out metrics, which live metrics are compared with
 * @param checks every value measured, the judged ones and the per-day ones: the monitoring table's rows
 * @param notes what was not measured or not judged, and why
 */
public record MonitorOutcome(String model, long version, LocalDate runDate, DateWindow window, String input,
    DriftAnalysis drift, Optional<LiveMetrics> live, Map<String, Double> registered, List<Check> checks,
    List<String> notes, Instant monitoredAt) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public MonitorOutcome {
    checks = List.copyOf(checks);
    notes = List.copyOf(notes);
  }

  /** Predictions of the version in the window. */
  public long rows() {
    return drift.rows();
  }

  /** The checks that crossed their threshold. */
  public List<Check> crossed() {
    return checks.stream().filter(Check::crossed).toList();
  }

  /** Whether any threshold was crossed: the run exits 3. */
  public boolean driftDetected() {
    return checks.stream().anyMatch(Check::crossed);
  }

  /**
   * Judges {@code drift} and {@code live} against {@code thresholds}:
   *
   * <ul>
   *   <li>an input column crosses when its PSI is above {@code psi-threshold}, its KS statistic (numeric) above
   *       {@code ks-threshold}, or its missing share differs from training by more than
   *       {@code null-rate-change-threshold} (either way);</li>
   *   <li>the predictions cross when the PSI of their classes or bins, or of the positive-class probability, is
   *       above {@code prediction-psi-threshold}, or the KS statistic of a numeric prediction or of the probability
   *       is above {@code ks-threshold};</li>
   *   <li>a live metric crosses when it is worse than the registered one by more than
   *       {@code metric-drop-threshold}: {@code registered − live} for AUC and accuracy, {@code (live −
   *       registered) / registered} for log loss, RMSE and MAE; judged only on at least {@code min-rows} labelled
   *       rows.</li>
   * </ul>
   *
   * A value that cannot be measured (a side without values) is not a check; the notes say so.
   */
  public static MonitorOutcome judge(ModelVersion version, LocalDate runDate, RecentData recent,
      DriftBaseline baseline, DriftAnalysis drift, Optional<LiveMetrics> live, MonitoringConfig thresholds) {
    List<Check> checks = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    drift.rowsByDay().forEach((day, n) -> checks.add(Check.recorded(Optional.of(day), "rows", n,
        OptionalDouble.empty(), n)));
    checks.add(Check.recorded(Optional.empty(), "rows", drift.rows(), OptionalDouble.empty(), drift.rows()));
    for (ColumnDrift input : drift.inputs()) {
      distribution(input, thresholds.psiThreshold(), thresholds.ksThreshold(), checks, notes);
      double recentRate = input.recent().missingRate();
      double trainingRate = input.baseline().counts().missingRate();
      if (!Double.isNaN(recentRate) && !Double.isNaN(trainingRate)) {
        checks.add(Check.judged(input.name(), "null_rate", recentRate, OptionalDouble.of(trainingRate),
            thresholds.nullRateChangeThreshold(),
            Math.abs(recentRate - trainingRate) > thresholds.nullRateChangeThreshold(), input.recent().rows()));
      }
    }
    distribution(drift.prediction(), thresholds.predictionPsiThreshold(), thresholds.ksThreshold(), checks, notes);
    drift.probability().ifPresent(p -> distribution(p, thresholds.predictionPsiThreshold(),
        thresholds.ksThreshold(), checks, notes));
    if (baseline.probability().isPresent() && drift.probability().isEmpty()) {
      notes.add("probability: the " + recent.kind().label() + " has no class probabilities, so their drift is "
          + "not measured");
    }
    if (!baseline.unmonitored().isEmpty()) {
      notes.add("not measured (dates, timestamps and other types): " + String.join(", ", baseline.unmonitored()));
    }
    live.ifPresent(l -> liveChecks(l, version.metrics(), thresholds, checks, notes));
    return new MonitorOutcome(version.name(), version.version(), runDate, recent.window(), recent.describe(), drift,
        live, version.metrics(), checks, notes, Instant.now());
  }

  private static void distribution(ColumnDrift column, double psiThreshold, double ksThreshold, List<Check> checks,
      List<String> notes) {
    long rows = column.recent().rows();
    if (Double.isNaN(column.psi())) {
      notes.add(column.name() + ": no values " + (column.recent().present() == 0 ? "in the window" : "in training")
          + ", so its distribution is not compared");
      return;
    }
    checks.add(Check.judged(column.name(), "psi", column.psi(), OptionalDouble.empty(), psiThreshold,
        column.psi() > psiThreshold, rows));
    if (!Double.isNaN(column.ks())) {
      checks.add(Check.judged(column.name(), "ks", column.ks(), OptionalDouble.empty(), ksThreshold,
          column.ks() > ksThreshold, rows));
    }
  }

  private static void liveChecks(LiveMetrics live, Map<String, Double> registered, MonitoringConfig thresholds,
      List<Check> checks, List<String> notes) {
    live.days().forEach((day, measured) -> {
      checks.add(Check.recorded(Optional.of(day), "labelled_rows", measured.rows(), OptionalDouble.empty(),
          measured.rows()));
      measured.metrics().forEach((metric, value) -> checks.add(Check.recorded(Optional.of(day), metric, value,
          optional(registered.get(metric)), measured.rows())));
    });
    long rows = live.rows();
    checks.add(Check.recorded(Optional.empty(), "labelled_rows", rows, OptionalDouble.empty(), rows));
    boolean judged = rows >= thresholds.minRows();
    if (!judged) {
      notes.add(String.format(Locale.ROOT, "live metrics not judged: %,d labelled rows, fewer than "
          + "monitoring.min-rows (%,d)", rows, thresholds.minRows()));
    }
    live.window().metrics().forEach((metric, value) -> {
      Double reference = registered.get(metric);
      if (!judged || reference == null) {
        checks.add(Check.recorded(Optional.empty(), metric, value, optional(reference), rows));
        return;
      }
      double drop = LiveMetrics.SCORES.contains(metric) ? reference - value
          : reference == 0 ? (value > 0 ? Double.POSITIVE_INFINITY : 0) : (value - reference) / reference;
      checks.add(new Check(Optional.empty(), Optional.empty(), metric, value, OptionalDouble.of(reference),
          OptionalDouble.of(thresholds.metricDropThreshold()), drop > thresholds.metricDropThreshold(), rows));
    });
  }

  private static OptionalDouble optional(Double value) {
    return value == null ? OptionalDouble.empty() : OptionalDouble.of(value);
  }

  // ------------------------------------------------------------------------------------------ the JSON result

  /**
   * The small result a scheduler reads: {@code {"status": "drift" | "ok", "model", "version", "run_date",
   * "window", "rows", "labelled_rows", "drift_detected", "crossed": [{"column", "metric", "value", "baseline",
   * "threshold"}], "report", "table"}}.
   */
  public String resultJson(String report, String table) {
    ObjectNode node = header(driftDetected() ? "drift" : "ok", model, version, runDate, window, rows());
    live.ifPresent(l -> node.put("labelled_rows", l.rows()));
    node.put("drift_detected", driftDetected());
    ArrayNode crossed = node.putArray("crossed");
    for (Check check : crossed()) {
      ObjectNode item = crossed.addObject();
      check.column().ifPresentOrElse(c -> item.put("column", c), () -> item.putNull("column"));
      item.put("metric", check.metric()).put("value", check.value());
      check.baseline().ifPresent(b -> item.put("baseline", b));
      check.threshold().ifPresent(t -> item.put("threshold", t));
    }
    node.put("report", report).put("table", table);
    return node.toPrettyString() + "\n";
  }

  /** The result of a run that judged nothing: fewer than {@code minRows} rows of the version in the window. */
  public static String insufficientDataJson(String model, long version, LocalDate runDate, DateWindow window,
      long rows, long minRows) {
    ObjectNode node = header("insufficient_data", model, version, runDate, window, rows);
    node.put("min_rows", minRows).put("drift_detected", false);
    node.putArray("crossed");
    return node.toPrettyString() + "\n";
  }

  private static ObjectNode header(String status, String model, long version, LocalDate runDate, DateWindow window,
      long rows) {
    ObjectNode node = JSON.createObjectNode().put("status", status).put("model", model).put("version", version)
        .put("run_date", runDate.toString());
    node.putObject("window").put("from", window.from().toString()).put("to", window.to().toString());
    return node.put("rows", rows);
  }
}

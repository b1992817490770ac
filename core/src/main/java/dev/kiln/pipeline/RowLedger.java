package dev.kiln.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows in and out of each step of a run, in step order. Every row read is accounted for:
 * <pre>
 * source_rows = (source_rows - sampled_rows)                                  not sampled
 *             + quarantined                                                   = the sum of quarantined_&lt;reason&gt;
 *             + exact_duplicates + superseded_records + near_duplicates     removed as duplicates
 *             + missing_label                                                 only from clean tables of older builds
 *             + outliers_dropped                                              training rows left out of the fit
 *             + train_rows + test_rows
 * </pre>
 * {@link #unaccounted} is the difference, zero for every complete ledger.
 */
public final class RowLedger {

  public static final String SOURCE = "source_rows";
  public static final String SAMPLED = "sampled_rows";
  public static final String EXACT_DUPLICATES = "exact_duplicates";
  public static final String SUPERSEDED = "superseded_records";
  public static final String MISSING_LABEL = "missing_label";
  public static final String QUARANTINED = "quarantined";
  public static final String QUARANTINED_PREFIX = "quarantined_";
  public static final String NEAR_DUPLICATES = "near_duplicates";
  public static final String OUTLIERS_DROPPED = "outliers_dropped";
  public static final String USABLE = "usable_rows";
  public static final String TRAIN = "train_rows";
  public static final String TEST = "test_rows";

  private final Map<String, Long> counts = new LinkedHashMap<>();

  public RowLedger put(String step, long rows) {
    counts.put(step, rows);
    return this;
  }

  public RowLedger putAll(Map<String, Long> other) {
    counts.putAll(other);
    return this;
  }

  public long get(String step) {
    Long value = counts.get(step);
    if (value == null) {
      throw new IllegalStateException("the ledger has no count for " + step);
    }
    return value;
  }

  public boolean has(String step) {
    return counts.containsKey(step);
  }

  /**
   * Sampled rows not accounted for by a removal or the split: zero when the ledger balances. Needs
   * {@code sampled_rows}, {@code train_rows} and {@code test_rows}; a removal a run did not make counts as zero.
   */
  public long unaccounted() {
    long accounted = get(TRAIN) + get(TEST);
    for (String removal : List.of(QUARANTINED, EXACT_DUPLICATES, SUPERSEDED, NEAR_DUPLICATES, MISSING_LABEL,
        OUTLIERS_DROPPED)) {
      accounted += counts.getOrDefault(removal, 0L);
    }
    long quarantinedByReason = counts.entrySet().stream().filter(e -> e.getKey().startsWith(QUARANTINED_PREFIX))
        .mapToLong(Map.Entry::getValue).sum();
    if (quarantinedByReason != counts.getOrDefault(QUARANTINED, 0L)) {
      throw new IllegalStateException("quarantined rows by reason (" + quarantinedByReason
          + ") do not add up to quarantined (" + counts.getOrDefault(QUARANTINED, 0L) + ")");
    }
    return get(SAMPLED) - accounted;
  }

  /** {@code " (12 missing_label, 3 out_of_range)"}, reasons in alphabetical order, or nothing when no row was quarantined. */
  public static String describeQuarantine(Map<String, Long> ledger) {
    String reasons = ledger.entrySet().stream()
        .filter(e -> e.getKey().startsWith(QUARANTINED_PREFIX) && e.getValue() > 0)
        .sorted(Map.Entry.comparingByKey())
        .map(e -> String.format("%,d %s", e.getValue(), e.getKey().substring(QUARANTINED_PREFIX.length())))
        .collect(java.util.stream.Collectors.joining(", "));
    return reasons.isEmpty() ? "" : " (" + reasons + ")";
  }

  public Map<String, Long> asMap() {
    return Collections.unmodifiableMap(counts);
  }
}

package dev.kiln.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rows in and out of each step of a run, in step order. Every row read is accounted for: {@code source_rows} =
 * {@code not_sampled} + {@code exact_duplicates} + {@code superseded_records} + {@code missing_label} +
 * {@code train_rows} + {@code test_rows}.
 */
public final class RowLedger {

  public static final String SOURCE = "source_rows";
  public static final String SAMPLED = "sampled_rows";
  public static final String EXACT_DUPLICATES = "exact_duplicates";
  public static final String SUPERSEDED = "superseded_records";
  public static final String MISSING_LABEL = "missing_label";
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

  public Map<String, Long> asMap() {
    return Collections.unmodifiableMap(counts);
  }
}

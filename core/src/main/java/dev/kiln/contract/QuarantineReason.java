package dev.kiln.contract;

/**
 * Why a row was quarantined. A row breaking several rules is quarantined under the first, in this order: its record
 * did not parse, a CSV value held bytes its encoding does not allow, then the rules of each column in the data's
 * column order (unparseable, null, range, category), then a missing label. The {@link #code} is what the quarantine
 * table and the row ledger carry.
 */
public enum QuarantineReason {
  /** A CSV line with more or fewer fields than the header. */
  CSV_COLUMN_COUNT("csv_column_count"),
  /** A record the reader could not parse: broken JSON, or a CSV value that is not of the column's inferred type. */
  MALFORMED_RECORD("malformed_record"),
  /**
   * A CSV value with bytes that are not valid in the file's encoding ({@code source.options.encoding}, UTF-8 by
   * default), which the reader decoded as U+FFFD: the value as written is lost, so the row is not used.
   */
  INVALID_ENCODING("invalid_encoding"),
  /** A value that does not parse as the contract's type (a number, date or timestamp). */
  UNPARSEABLE_VALUE("unparseable_value"),
  /** A null in a column the contract says is not nullable. */
  NULL_NOT_ALLOWED("null_not_allowed"),
  /** A number outside the contract's min/max. */
  OUT_OF_RANGE("out_of_range"),
  /** A string not among the contract's allowed values. */
  CATEGORY_NOT_ALLOWED("category_not_allowed"),
  /** A row without a label: it cannot be trained or evaluated on. */
  MISSING_LABEL("missing_label");

  private final String code;

  QuarantineReason(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }

  /** The row ledger's key for rows quarantined for this reason: {@code quarantined_<code>}. */
  public String ledgerKey() {
    return "quarantined_" + code;
  }
}

package dev.kiln.source.jdbc;

import dev.kiln.errors.InvalidInputException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A table or column name from the config, checked before any SQL is written: {@code name} or {@code schema.name},
 * each part either a plain identifier (a letter or {@code _}, then letters, digits, {@code _} and {@code $}) or a
 * double-quoted identifier ({@code ""} inside stands for one quote). Anything else is refused, so a name can never
 * carry SQL. {@link Dialect#quote} renders a checked name for one database.
 */
final class SqlName {

  private static final String PART = "(\\p{L}[\\p{L}\\p{N}_$]*|_[\\p{L}\\p{N}_$]*|\"(?:[^\"\\p{Cntrl}]|\"\")+\")";
  private static final Pattern COLUMN = Pattern.compile(PART);
  private static final Pattern TABLE = Pattern.compile(PART + "(?:\\." + PART + ")?");

  /**
   * One dot-separated part.
   *
   * @param text the name without quotes (for a quoted part, with {@code ""} turned back into {@code "})
   * @param quoted whether it was written in double quotes: then its case is kept exactly
   */
  record Part(String text, boolean quoted) {}

  private final String written;
  private final List<Part> parts;

  private SqlName(String written, List<Part> parts) {
    this.written = written;
    this.parts = parts;
  }

  /**
   * A table name, {@code name} or {@code schema.name}.
   *
   * @param key the config key it came from, named in the error
   * @throws InvalidInputException if it is anything else
   */
  static SqlName table(String value, String key) {
    Matcher m = TABLE.matcher(value);
    if (!m.matches()) {
      throw new InvalidInputException(key + ": '" + value + "' is not a table name; write name or schema.name, each "
          + "of letters, digits, _ and $, or in double quotes (\"Order Lines\")");
    }
    return m.group(2) == null ? new SqlName(value, List.of(part(m.group(1))))
        : new SqlName(value, List.of(part(m.group(1)), part(m.group(2))));
  }

  /**
   * A column name: one part.
   *
   * @param key the config key it came from, named in the error
   * @throws InvalidInputException if it is anything else
   */
  static SqlName column(String value, String key) {
    if (!COLUMN.matcher(value).matches()) {
      throw new InvalidInputException(key + ": '" + value + "' is not a column name; write letters, digits, _ and $, "
          + "or the name in double quotes (\"Order Date\")");
    }
    return new SqlName(value, List.of(part(value)));
  }

  private static Part part(String text) {
    return text.startsWith("\"") ? new Part(text.substring(1, text.length() - 1).replace("\"\"", "\""), true)
        : new Part(text, false);
  }

  /** The name itself (the table, or the column). */
  Part name() {
    return parts.get(parts.size() - 1);
  }

  /** The schema, when one was written. */
  Optional<Part> schema() {
    return parts.size() == 2 ? Optional.of(parts.get(0)) : Optional.empty();
  }

  List<Part> parts() {
    return parts;
  }

  /** As the user wrote it. */
  @Override
  public String toString() {
    return written;
  }
}

package dev.kiln.source;

import dev.kiln.errors.InvalidInputException;
import org.apache.spark.SparkThrowable;

/**
 * Recognises Spark's failures on bad input files — a malformed CSV or JSON record under {@code mode = FAILFAST}, a
 * Parquet file that is truncated or not Parquet, a Parquet column whose type differs between files (a schema that
 * drifted from one day's files to the next) — so they reach the user as bad input naming the source and the file
 * (exit code 2) rather than as a failed job with Spark's stack.
 */
public final class MalformedInput {

  private MalformedInput() {}

  /** Whether {@code failure} (or a cause) is Spark's malformed-record error. */
  public static boolean isMalformedRecord(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SparkThrowable spark && spark.getErrorClass() != null
          && spark.getErrorClass().startsWith("MALFORMED_")) {
        return true;
      }
    }
    return false;
  }

  /** Spark's messages for a file it cannot read as its format says, each naming the file. */
  private static final java.util.List<String> UNREADABLE_FILE = java.util.List.of(
      "Parquet column cannot be converted in file", "Could not read footer for file", "is not a Parquet file");

  /** Spark's messages about a file it could not read as its format says (first lines, outermost first), if any. */
  static java.util.Optional<String> unreadableFile(Throwable failure) {
    java.util.List<String> lines = new java.util.ArrayList<>();
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage();
      if (message != null && UNREADABLE_FILE.stream().anyMatch(message::contains)) {
        String first = message.split("\n")[0];
        if (lines.stream().noneMatch(line -> line.contains(first))) {
          lines.add(first);
        }
      }
    }
    return lines.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(String.join("; ", lines));
  }

  /**
   * Runs {@code action}; a malformed-record or unreadable-file failure becomes an {@link InvalidInputException}
   * naming {@code source} (and the file, as Spark names it).
   */
  public static <T> T reading(Source source, java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (Exception e) {  // Spark's SparkException is checked, and thrown from Scala undeclared
      java.util.Optional<String> unreadable = unreadableFile(e);
      if (unreadable.isPresent() && !isMalformedRecord(e)) {
        throw new InvalidInputException("a file of " + source.uri() + " could not be read: " + unreadable.get(), e);
      }
      if (!isMalformedRecord(e)) {
        throw MalformedInput.<RuntimeException>rethrow(e);
      }
      String detail = "";
      for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
        if (t instanceof SparkThrowable && t.getMessage() != null) {
          detail = t.getMessage().split("\n")[0];
        }
      }
      throw new InvalidInputException("a malformed record in " + source.uri() + " stopped the read "
          + "(source.options.mode = FAILFAST; DROPMALFORMED skips such rows, PERMISSIVE keeps them with nulls): "
          + detail, e);
    }
  }

  /** Rethrows {@code e} as it is, checked or not. */
  @SuppressWarnings("unchecked")
  private static <E extends Exception> E rethrow(Exception e) throws E {
    throw (E) e;
  }
}

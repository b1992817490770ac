package dev.kiln.source;

import dev.kiln.errors.InvalidInputException;
import org.apache.spark.SparkThrowable;

/**
 * Recognises Spark's failure on a malformed CSV or JSON record under {@code mode = FAILFAST}, so it reaches the user
 * as bad input naming the source (exit code 2) rather than as a failed job with Spark's stack.
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

  /**
   * Runs {@code action}; a malformed-record failure becomes an {@link InvalidInputException} naming {@code source}.
   */
  public static <T> T reading(Source source, java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (Exception e) {  // Spark's SparkException is checked, and thrown from Scala undeclared
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

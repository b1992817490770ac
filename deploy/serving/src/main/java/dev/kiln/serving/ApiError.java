package dev.kiln.serving;

import dev.kiln.errors.InvalidRecordException;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * An error answer: the HTTP status and the body {@code {"error": {"code", "message", "field"?, "index"?}}}. The message
 * is written for the client and never holds a secret or a stack trace.
 *
 * @param status the HTTP status
 * @param code a stable, machine-readable code, e.g. {@code malformed_json}, {@code missing}
 * @param message what is wrong, for a person
 * @param field the record field at fault, or {@code null}
 * @param index the record's position in a batch, when the request was one
 */
public record ApiError(int status, String code, String message, String field, OptionalInt index) {

  public static ApiError of(int status, String code, String message) {
    return new ApiError(status, code, message, null, OptionalInt.empty());
  }

  /** 422 for a record the model refuses: the code is the problem's name in lower case, e.g. {@code wrong_type}. */
  public static ApiError invalidRecord(InvalidRecordException e, OptionalInt index) {
    return new ApiError(422, e.problem().name().toLowerCase(Locale.ROOT), e.getMessage(), e.field(), index);
  }

  /** This error thrown: the server's exception handler answers with it. */
  public ApiException exception() {
    return new ApiException(this);
  }

  /** Carries an {@link ApiError} from wherever it is found to the server's exception handler. */
  public static final class ApiException extends RuntimeException {
    private final ApiError error;

    ApiException(ApiError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }

    public ApiError error() {
      return error;
    }
  }
}

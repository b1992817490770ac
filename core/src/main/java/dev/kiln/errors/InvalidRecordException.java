package dev.kiln.errors;

/**
 * A record given to a row scorer does not fit the model's signature. The message names the field; {@link #field()}
 * and {@link #problem()} let a service answer with a structured error (the HTTP service maps every problem to 422).
 */
public final class InvalidRecordException extends KilnException {

  /** What is wrong with the field. */
  public enum Problem {
    /** The signature has the field and the record does not. */
    MISSING,
    /** The record has a field the signature does not. */
    UNKNOWN,
    /** The value's type cannot be read as the signature's type (e.g. text for a number). */
    WRONG_TYPE,
    /** A number that is NaN or infinite. */
    NOT_FINITE,
    /** A value the fitted model refuses, e.g. an unseen category where the stage was fitted to raise an error. */
    INVALID_VALUE
  }

  private final String field;
  private final Problem problem;

  public InvalidRecordException(String field, Problem problem, String message) {
    super(message);
    this.field = field;
    this.problem = problem;
  }

  /** The field at fault, as the signature names it. */
  public String field() {
    return field;
  }

  public Problem problem() {
    return problem;
  }

  @Override
  public int exitCode() {
    return 2;
  }
}

package dev.kiln.errors;

/** A step started and could not finish: the input was acceptable but the work failed (exit code 1). */
public final class JobFailedException extends KilnException {

  public JobFailedException(String message, Throwable cause) {
    super(message, cause);
  }

  public JobFailedException(String message) {
    super(message);
  }

  @Override
  public int exitCode() {
    return 1;
  }
}

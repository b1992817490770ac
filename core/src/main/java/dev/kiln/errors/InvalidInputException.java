package dev.kiln.errors;

/** The data or an argument a user gave cannot be used: a missing path, an unreadable table, an unknown model. */
public final class InvalidInputException extends KilnException {

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return 2;
  }
}

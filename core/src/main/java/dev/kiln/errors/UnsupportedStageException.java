package dev.kiln.errors;

/**
 * A saved pipeline holds a stage that the row scorer cannot evaluate exactly as Spark does. Raised when the model is
 * loaded, never while scoring, so a service refuses the model instead of answering wrongly. The message names the
 * stage's position, class and uid.
 */
public final class UnsupportedStageException extends KilnException {

  public UnsupportedStageException(String message) {
    super(message);
  }

  @Override
  public int exitCode() {
    return 2;
  }
}

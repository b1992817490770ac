package dev.kiln.errors;

/**
 * Base of every failure Kiln raises on purpose. Each subclass maps to one documented exit code of the CLI, and its
 * message is written for the person who ran the command: it names the file, key, column or path at fault and never
 * contains a secret.
 */
public abstract class KilnException extends RuntimeException {

  protected KilnException(String message) {
    super(message);
  }

  protected KilnException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The process exit code the CLI uses for this failure: 2 for a usage, config or input error, 1 otherwise. */
  public abstract int exitCode();
}

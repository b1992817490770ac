package dev.kiln.config;

import java.util.Objects;

/**
 * A credential's value. Its {@code toString} never shows it, so records and messages that hold one stay printable;
 * only {@link #reveal()} hands it to the driver that needs it.
 */
public final class Secret {

  private final String value;

  private Secret(String value) {
    this.value = Objects.requireNonNull(value);
  }

  public static Secret of(String value) {
    return new Secret(value);
  }

  public String reveal() {
    return value;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Secret s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return "<redacted>";
  }
}

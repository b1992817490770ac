package dev.kiln.registry;

import dev.kiln.errors.InvalidInputException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A reference to a registered model version as users write it: {@code name@3}, {@code name@champion},
 * {@code name@latest} or {@code name} (the latest). Names and aliases are validated here, so none can escape the
 * registry root when it becomes part of a path.
 */
public record ModelRef(String name, Optional<Long> version, Optional<String> alias) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");
  public static final String LATEST = "latest";

  public static ModelRef parse(String text) {
    int at = text.indexOf('@');
    String name = at < 0 ? text : text.substring(0, at);
    validateName(name);
    if (at < 0) {
      return new ModelRef(name, Optional.empty(), Optional.empty());
    }
    String target = text.substring(at + 1);
    if (target.matches("\\d{1,18}")) {
      long version = Long.parseLong(target);
      if (version < 1) {
        throw new InvalidInputException("'" + text + "': versions start at 1");
      }
      return new ModelRef(name, Optional.of(version), Optional.empty());
    }
    if (target.equals(LATEST)) {
      return new ModelRef(name, Optional.empty(), Optional.empty());
    }
    validateAlias(target);
    return new ModelRef(name, Optional.empty(), Optional.of(target));
  }

  /** Letters, digits, '.', '_' and '-', starting with a letter or digit, no "..": safe as a path segment. */
  public static void validateName(String name) {
    if (!NAME.matcher(name).matches() || name.contains("..")) {
      throw new InvalidInputException("'" + name + "' is not a valid model name: use letters, digits, '.', '_' "
          + "and '-' (no slashes, no '..', at most 128 characters)");
    }
  }

  /** Starts with a letter, so it can never be read as a version; {@code latest} is reserved. */
  public static void validateAlias(String alias) {
    if (!ALIAS.matcher(alias).matches() || alias.equals(LATEST)) {
      throw new InvalidInputException("'" + alias + "' is not a valid alias: start with a letter, then letters, "
          + "digits, '_' or '-' (at most 64 characters; 'latest' is reserved)");
    }
  }

  @Override
  public String toString() {
    return name + version.map(v -> "@" + v).or(() -> alias.map(a -> "@" + a)).orElse("@" + LATEST);
  }
}

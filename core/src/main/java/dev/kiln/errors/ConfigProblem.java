package dev.kiln.errors;

/**
 * One thing wrong with a configuration.
 *
 * @param origin where the offending value came from: {@code conf/pipelines/x.conf:12}, {@code --conf}, an environment
 *     variable, or {@code defaults.conf}
 * @param key the config path, such as {@code sample.fraction}
 * @param message what is wrong, in words a user can act on
 */
public record ConfigProblem(String origin, String key, String message) {

  @Override
  public String toString() {
    return origin + ": " + key + ": " + message;
  }
}

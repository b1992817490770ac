package dev.kiln.config;

import java.nio.file.Path;
import java.util.regex.Pattern;

/** Turns user-written locations into fully qualified Hadoop paths, so drivers and executors agree on them. */
public final class HadoopPaths {

  private static final Pattern HAS_SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]+:.*");

  private HadoopPaths() {}

  /**
   * {@code s3a://b/x} and {@code hdfs://nn/x} stay as they are; a local path, relative or not, becomes
   * {@code file:/absolute/path} (relative to the working directory of the process that reads the config, the
   * driver, since executors run elsewhere).
   */
  public static String qualify(String location) {
    if (HAS_SCHEME.matcher(location).matches()) {
      return location;
    }
    return "file:" + Path.of(location).toAbsolutePath().normalize();
  }

  /** Joins a child to a qualified parent path with exactly one slash. */
  public static String child(String parent, String child) {
    return parent.endsWith("/") ? parent + child : parent + "/" + child;
  }
}

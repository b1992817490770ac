package dev.kiln.jobs.cli;

/** The exit codes every kiln command uses; each command lists them in its --help. */
public final class ExitCodes {

  public static final int DONE = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;
  /** {@code kiln monitor}: the run finished and a threshold was crossed. */
  public static final int THRESHOLD_CROSSED = 3;
  /**
   * Another run committed to the same Delta table first (a write conflict): nothing of this run was committed, and
   * running it again is safe.
   */
  public static final int CONFLICT = 4;

  static final String HEADING = "%nExit codes:%n";
  static final java.util.Map<String, String> DESCRIPTIONS = orderedMap(
      "0", "done",
      "1", "run-time failure: the work started and could not finish",
      "2", "usage, configuration or input error: nothing was changed",
      "3", "kiln monitor only: done, and a drift or live-metric threshold was crossed",
      "4", "another run wrote the same table at the same time: nothing of this run was committed; run it again");

  private static java.util.Map<String, String> orderedMap(String... pairs) {
    java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(map);
  }

  private ExitCodes() {}
}

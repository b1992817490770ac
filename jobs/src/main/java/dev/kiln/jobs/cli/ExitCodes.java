package dev.kiln.jobs.cli;

/** The exit codes every kiln command uses; each command lists them in its --help. */
public final class ExitCodes {

  public static final int DONE = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  static final String HEADING = "%nExit codes:%n";

  private ExitCodes() {}
}

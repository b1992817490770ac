package dev.kiln.jobs.cli;

/** Lets tests outside this package stop a {@code kiln serve} running in the test JVM. */
public final class ServeCommandAccess {

  private ServeCommandAccess() {}

  public static void stop() {
    ServeCommand.stop();
  }
}

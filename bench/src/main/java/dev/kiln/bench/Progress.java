package dev.kiln.bench;

import java.util.Locale;

/** Progress lines on stdout, each with the time since the benchmark started: a run takes many minutes. */
final class Progress {

  private final long start = System.nanoTime();

  void say(String format, Object... args) {
    double elapsed = (System.nanoTime() - start) / 1e9;
    System.out.printf(Locale.ROOT, "[bench %6.0fs] %s%n", elapsed, String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}

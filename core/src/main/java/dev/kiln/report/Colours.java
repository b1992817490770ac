package dev.kiln.report;

import java.util.Locale;

/** Colour scales of the reports' heatmaps, as {@code #rrggbb}. */
public final class Colours {

  /** The light end every scale starts from. */
  public static final int[] WHITE = {247, 247, 247};
  public static final int[] BLUE = {33, 102, 172};
  public static final int[] RED = {178, 24, 43};

  private Colours() {}

  /** The colour {@code share} (0 to 1) of the way from {@code from} to {@code to}. */
  public static String mix(int[] from, int[] to, double share) {
    double a = Math.max(0, Math.min(1, share));
    return String.format(Locale.ROOT, "#%02x%02x%02x", channel(from[0], to[0], a), channel(from[1], to[1], a),
        channel(from[2], to[2], a));
  }

  private static int channel(int from, int to, double share) {
    return (int) Math.round(from + (to - from) * share);
  }
}

package dev.kiln.source;

import java.util.Locale;
import java.util.Optional;

/**
 * What a sampler asks of a source before rows reach Spark. A source does what it can at the source and says what it
 * did in the snapshot's {@link Pushdown}; the sampler finishes the rest in Spark.
 *
 * <p>Contract for implementations:
 * <ul>
 *   <li>{@code window}, when present, must be applied (at the source or as a Spark filter): no row outside it is
 *       returned.</li>
 *   <li>{@code fraction} may be applied at the source as a seeded, repeatable Bernoulli-like sample of rows or of
 *       blocks. The source reports the fraction it applied ({@link Pushdown#appliedFraction()}, 1.0 when it applied
 *       none); it never applies less than {@code fraction}. The same seed and the same data give the same rows.</li>
 *   <li>{@code blocks} permits choosing whole files (or row groups) instead of rows; without it a source samples
 *       rows or not at all.</li>
 * </ul>
 *
 * @param fraction the share of rows wanted, in (0, 1]; 1.0 reads everything
 * @param seed the seed for anything random
 * @param window a time window the rows must fall in
 * @param blocks whether whole blocks (files, row groups) may be chosen instead of rows
 */
public record ReadRequest(double fraction, long seed, Optional<TimeWindow> window, boolean blocks) {

  /** Every row. */
  public static final ReadRequest ALL = new ReadRequest(1.0, 0, Optional.empty(), false);

  public ReadRequest {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], not " + fraction);
    }
  }

  public boolean samples() {
    return fraction < 1.0;
  }

  public String describe() {
    return String.format(Locale.ROOT, "fraction %s seed %d%s%s", fraction, seed,
        window.map(w -> " window " + w.describe()).orElse(""), blocks ? " blocks" : "");
  }
}

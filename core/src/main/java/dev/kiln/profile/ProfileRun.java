package dev.kiln.profile;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * One profiling of a table, as {@link ProfileStore} keeps it.
 *
 * @param id unique per run
 * @param profiledAt when it ran, to the microsecond (what a Delta timestamp holds)
 * @param source what was profiled, e.g. {@code delta file:/w/pipelines/churn/clean @ version 3}
 */
public record ProfileRun(String id, Instant profiledAt, String source) {

  /** A new run of {@code source}, now. */
  public static ProfileRun start(String source) {
    return new ProfileRun(UUID.randomUUID().toString(), Instant.now().truncatedTo(ChronoUnit.MICROS), source);
  }
}

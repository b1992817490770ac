package dev.kiln.source;

import java.util.List;
import java.util.Optional;

/**
 * What a source did at the source for a {@link ReadRequest}, for the sampler (which finishes the sample) and for
 * provenance (which records it).
 *
 * @param method {@code none}, {@code tablesample} (the database sampled), {@code hash-predicate} (a deterministic
 *     predicate on a key), or {@code file-blocks} (whole files chosen)
 * @param appliedFraction the share of rows (expected) the source already kept; 1.0 when it sampled nothing. The
 *     sampler keeps {@code wanted / appliedFraction} of what it gets.
 * @param windowAtSource whether the time window was applied by the source itself (e.g. in the database's WHERE)
 * @param statement the statement sent to a database, without credentials; empty for files
 * @param files the files read, when the source is files and chose a subset (empty otherwise)
 * @param detail one line for people, e.g. {@code PostgreSQL TABLESAMPLE BERNOULLI (1.0) REPEATABLE (42)}
 */
public record Pushdown(String method, double appliedFraction, boolean windowAtSource, Optional<String> statement,
    List<String> files, String detail) {

  public static final String NONE = "none";
  public static final String TABLESAMPLE = "tablesample";
  public static final String HASH_PREDICATE = "hash-predicate";
  public static final String FILE_BLOCKS = "file-blocks";

  public Pushdown {
    files = List.copyOf(files);
  }

  /** Nothing done at the source. */
  public static Pushdown none(String detail) {
    return new Pushdown(NONE, 1.0, false, Optional.empty(), List.of(), detail);
  }
}

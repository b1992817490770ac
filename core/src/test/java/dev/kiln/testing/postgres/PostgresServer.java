package dev.kiln.testing.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;

/**
 * A real PostgreSQL 16 server for tests: one per JVM, started on first use on a free port of 127.0.0.1 and stopped
 * when the JVM exits.
 *
 * <p>It holds a database {@code kiln} owned by the user {@code kiln}, who logs in over TCP with a password
 * (SCRAM-SHA-256, random per JVM): a wrong password is refused, as on a real server. Only the setup superuser
 * {@code postgres} is trusted without one, so tests connect as {@link #user()}. If the server cannot start, every
 * call throws: a test that needs PostgreSQL fails, it is never skipped.
 */
public final class PostgresServer {

  private static final String DATABASE = "kiln";
  private static final String USER = "kiln";

  private static PostgresServer instance;
  private static IllegalStateException startFailure;

  private final EmbeddedPostgres postgres;
  private final String password;

  private PostgresServer(EmbeddedPostgres postgres, String password) {
    this.postgres = postgres;
    this.password = password;
  }

  /** The JVM's server, started on the first call. */
  public static synchronized PostgresServer get() {
    if (startFailure != null) {
      throw startFailure;
    }
    if (instance == null) {
      try {
        instance = start();
      } catch (IOException | SQLException | RuntimeException e) {
        startFailure = new IllegalStateException("embedded PostgreSQL did not start: " + e, e);
        throw startFailure;
      }
    }
    return instance;
  }

  private static PostgresServer start() throws IOException, SQLException {
    EmbeddedPostgres postgres = EmbeddedPostgres.builder()
        .setRegisterShutdownHook(true)
        // initdb trusts every connection; this file makes everyone but the setup superuser give a password.
        .setDataDirectoryCustomizer(dataDirectory -> writeHbaFile(dataDirectory.toPath()))
        .start();
    String password = "kiln-test-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
    try (Connection admin = postgres.getPostgresDatabase().getConnection();
        Statement statement = admin.createStatement()) {
      // The password is a hex string of our own making: safe to write as a literal.
      statement.execute("CREATE USER " + USER + " PASSWORD '" + password + "'");
      statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
    }
    return new PostgresServer(postgres, password);
  }

  private static void writeHbaFile(Path dataDirectory) {
    try {
      Files.writeString(dataDirectory.resolve("pg_hba.conf"), String.join("\n",
          "local all all trust",
          "host all postgres 127.0.0.1/32 trust",
          "host all postgres ::1/128 trust",
          "host all all 127.0.0.1/32 scram-sha-256",
          "host all all ::1/128 scram-sha-256",
          ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code jdbc:postgresql://127.0.0.1:<port>/kiln}, without credentials. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE;
  }

  public int port() {
    return postgres.getPort();
  }

  public String user() {
    return USER;
  }

  public String password() {
    return password;
  }

  /** A new connection as {@link #user()}; the caller closes it. */
  public Connection connect() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", USER);
    properties.setProperty("password", password);
    return DriverManager.getConnection(jdbcUrl(), properties);
  }

  /** Runs each statement in turn as {@link #user()}, in autocommit. */
  public void execute(String... statements) {
    try (Connection connection = connect(); Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL refused: " + String.join("; ", statements), e);
    }
  }

  /** The first column of the first row of {@code sql}, as a long. */
  public long queryLong(String sql) {
    try (Connection connection = connect(); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      if (!rows.next()) {
        throw new IllegalStateException("no rows from " + sql);
      }
      return rows.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL refused: " + sql, e);
    }
  }
}

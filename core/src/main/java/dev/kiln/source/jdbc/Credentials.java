package dev.kiln.source.jdbc;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps credentials out of text. A configured JDBC URL is split into the URL without any user or password (what
 * Kiln shows, and what the driver and Spark are given, so their own logs of the URL hold no secret) and the
 * connection properties that carried them; {@link #scrub} removes secrets from messages that might quote them.
 */
final class Credentials {

  /** {@code jdbc:mysql://user:secret@host/db}: the userinfo before the host. */
  private static final Pattern USERINFO = Pattern.compile("^(jdbc:[^/]*//)([^/@?;]*)@");
  /** {@code jdbc:oracle:thin:user/secret@host:1521/service}: Oracle's logon before the {@code @}. */
  private static final Pattern ORACLE_LOGON = Pattern.compile("^(jdbc:oracle:[a-z]+:)([^@/]*/[^@]*)@");
  /** Parameter names that carry a user or a secret, in {@code ?a=b&c=d} or {@code ;a=b;c=d} URLs. */
  private static final Pattern CREDENTIAL_KEY = Pattern.compile(
      "(?i)user|username|userid|uid|pwd|passwd|.*password.*|.*secret.*|.*token.*");
  private static final String REDACTED = "<redacted>";

  private final String rawUrl;
  private final String cleanUrl;
  private final Map<String, String> properties = new LinkedHashMap<>();
  private final List<String> secrets;

  /**
   * @param rawUrl the URL as configured, perhaps with credentials
   * @param password the password configured apart from the URL, if any
   */
  Credentials(String rawUrl, Optional<String> password) {
    this.rawUrl = rawUrl;
    String s = rawUrl;
    Matcher userinfo = USERINFO.matcher(s);
    if (userinfo.find()) {
      String[] userPassword = userinfo.group(2).split(":", 2);
      properties.put("user", decode(userPassword[0]));
      if (userPassword.length == 2) {
        properties.put("password", decode(userPassword[1]));
      }
      s = userinfo.replaceFirst("$1");
    }
    Matcher oracle = ORACLE_LOGON.matcher(s);
    if (oracle.find()) {
      String[] userPassword = oracle.group(2).split("/", 2);
      properties.put("user", userPassword[0]);
      properties.put("password", userPassword[1]);
      s = oracle.replaceFirst("$1@");
    }
    int query = s.indexOf('?');
    if (query >= 0) {  // PostgreSQL, MySQL: URL-encoded values
      s = s.substring(0, query) + kept("?", "&", s.substring(query + 1), true);
    }
    int semicolon = s.indexOf(';');
    if (semicolon >= 0) {  // SQL Server, DB2: values as written
      s = s.substring(0, semicolon) + kept(";", ";", s.substring(semicolon + 1), false);
    }
    this.cleanUrl = s;
    List<String> found = new ArrayList<>();
    properties.forEach((key, value) -> {
      if (!key.matches("(?i)user|username|userid|uid") && !value.isEmpty()) {
        found.add(value);
        found.add(rawValueOf(key));
      }
    });
    password.filter(p -> !p.isEmpty()).ifPresent(found::add);
    found.removeIf(String::isEmpty);
    // Longest first, so a secret that contains another is replaced whole.
    found.sort(Comparator.comparingInt(String::length).reversed());
    this.secrets = List.copyOf(found);
  }

  /** {@code url} with any user and password (userinfo, Oracle logon, URL parameters) taken out. */
  static String withoutCredentials(String url) {
    return new Credentials(url, Optional.empty()).url();
  }

  /** The parameters that stay in the URL; the others move to {@link #properties}. */
  private String kept(String lead, String separator, String parameters, boolean encoded) {
    List<String> kept = new ArrayList<>();
    for (String parameter : parameters.split(Pattern.quote(separator), -1)) {
      String[] kv = parameter.split("=", 2);
      if (CREDENTIAL_KEY.matcher(kv[0].strip()).matches()) {
        String value = kv.length == 2 ? kv[1] : "";
        properties.put(kv[0].strip(), encoded ? decode(value) : value);
      } else if (!parameter.isEmpty()) {
        kept.add(parameter);
      }
    }
    return kept.isEmpty() ? "" : lead + String.join(separator, kept);
  }

  /** The value of {@code key} as the raw URL spells it (perhaps URL-encoded), to scrub that spelling too. */
  private String rawValueOf(String key) {
    Matcher m = Pattern.compile("[?&;]" + Pattern.quote(key) + "=([^&;]*)").matcher(rawUrl);
    return m.find() ? m.group(1) : "";
  }

  private static String decode(String value) {
    try {
      return URLDecoder.decode(value, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {  // not URL-encoded after all
      return value;
    }
  }

  /** The URL without credentials. */
  String url() {
    return cleanUrl;
  }

  /** The user, password and other secret parameters taken out of the URL, as driver properties. */
  Map<String, String> properties() {
    return Map.copyOf(properties);
  }

  /** {@code text} with the configured URL replaced by {@link #url()} and every known secret by a placeholder. */
  String scrub(String text) {
    if (text == null) {
      return null;
    }
    String s = text.replace(rawUrl, cleanUrl);
    for (String secret : secrets) {
      s = s.replace(secret, REDACTED);
    }
    return s;
  }

  /**
   * A copy of {@code error}'s chain whose messages are {@link #scrub scrubbed}, with the original classes named and
   * stack traces kept, for use as the cause of a Kiln exception.
   */
  Throwable scrub(Throwable error) {
    if (error == null) {
      return null;
    }
    Throwable copy = new Scrubbed(error.getClass().getName()
        + (error.getMessage() == null ? "" : ": " + scrub(error.getMessage())), scrub(error.getCause()));
    copy.setStackTrace(error.getStackTrace());
    return copy;
  }

  /** A driver's exception, retold without secrets. */
  private static final class Scrubbed extends Exception {
    Scrubbed(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public String toString() {
      return getMessage();
    }
  }

  @Override
  public String toString() {
    return "credentials for " + cleanUrl;
  }
}

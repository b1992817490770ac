package dev.kiln.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.kiln.errors.ConfigProblem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Reads typed values out of a resolved {@link Config} and collects every problem instead of stopping at the first.
 *
 * <p>The reader is also the schema: each path read is recorded as known, and {@link #unknownKeys()} reports every
 * leaf of the config that nobody read, with the nearest known key as a suggestion. Open sections (maps handed to Spark
 * as they are) are read with {@link #stringMap}, which marks the whole section as known.
 */
public final class ConfigReader {

  private static final java.util.regex.Pattern LINE_SUFFIX = java.util.regex.Pattern.compile("^(.*?): ?(\\d+)$");

  private final Config config;
  private final List<ConfigProblem> problems = new ArrayList<>();
  private final Set<String> knownPaths = new TreeSet<>();
  private final Set<String> openSections = new TreeSet<>();

  public ConfigReader(Config config) {
    this.config = config;
  }

  public List<ConfigProblem> problems() {
    return problems;
  }

  /** Records a problem about {@code path}, located where the path's value came from. */
  public void problem(String path, String message) {
    problems.add(new ConfigProblem(originOf(path), path, message));
  }

  public boolean isSet(String path) {
    knownPaths.add(path);
    return config.hasPath(path);
  }

  /** The value at {@code path} if it is quoted or unquoted text, not a number: a keyword such as {@code auto}. */
  public Optional<String> text(String path) {
    knownPaths.add(path);
    return config.hasPath(path) && config.getValue(path).valueType() == ConfigValueType.STRING
        ? Optional.of(config.getString(path)) : Optional.empty();
  }

  public Optional<String> optionalString(String path) {
    knownPaths.add(path);
    if (!config.hasPath(path)) {
      return Optional.empty();
    }
    if (!isScalar(path)) {
      problem(path, "expected a string but found " + describe(path));
      return Optional.empty();
    }
    return Optional.of(config.getString(path));
  }

  public String requiredString(String path, String why) {
    Optional<String> value = optionalString(path);
    if (value.isEmpty() && !config.hasPath(path)) {
      problems.add(new ConfigProblem(originOf(path), path, "is required: " + why));
    } else if (value.isPresent() && value.get().isBlank()) {
      problem(path, "must not be empty");
    }
    return value.orElse("");
  }

  public String string(String path) {
    return optionalString(path).orElse("");
  }

  /** A string that must be one of {@code allowed}. */
  public String oneOf(String path, List<String> allowed) {
    String value = string(path);
    if (config.hasPath(path) && !allowed.contains(value)) {
      problem(path, "'" + value + "' is not one of " + String.join(", ", allowed));
    }
    return value;
  }

  public double number(String path, Predicate<Double> valid, String rule) {
    knownPaths.add(path);
    try {
      double value = config.getDouble(path);
      if (!valid.test(value)) {
        problem(path, value + " is out of range: " + rule);
      }
      return value;
    } catch (ConfigException.Missing e) {
      problems.add(new ConfigProblem("(not set)", path, "is required"));
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      problem(path, "expected a number but found " + describe(path));
    }
    return Double.NaN;
  }

  public long integer(String path, Predicate<Long> valid, String rule) {
    knownPaths.add(path);
    try {
      if (config.getValue(path).valueType() == ConfigValueType.NUMBER
          && config.getDouble(path) != Math.rint(config.getDouble(path))) {
        problem(path, "expected a whole number but found " + config.getDouble(path));
        return 0;
      }
      long value = config.getLong(path);
      if (!valid.test(value)) {
        problem(path, value + " is out of range: " + rule);
      }
      return value;
    } catch (ConfigException.Missing e) {
      problems.add(new ConfigProblem("(not set)", path, "is required"));
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      problem(path, "expected a whole number but found " + describe(path));
    }
    return 0;
  }

  public Optional<Long> optionalInteger(String path, Predicate<Long> valid, String rule) {
    knownPaths.add(path);
    return config.hasPath(path) ? Optional.of(integer(path, valid, rule)) : Optional.empty();
  }

  /** A HOCON duration such as {@code 90d}, {@code 12h} or {@code "30 days"}. */
  public Optional<java.time.Duration> optionalDuration(String path) {
    knownPaths.add(path);
    if (!config.hasPath(path)) {
      return Optional.empty();
    }
    try {
      java.time.Duration value = config.getDuration(path);
      if (value.isNegative() || value.isZero()) {
        problem(path, "must be a positive duration such as 90d or 12h");
      }
      return Optional.of(value);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      problem(path, "expected a duration such as 90d, 12h or \"30 days\" but found " + describe(path));
      return Optional.empty();
    }
  }

  /** An instant: ISO-8601 with a zone ({@code 2026-11-01T00:00:00Z}) or a date ({@code 2026-11-01}, UTC midnight). */
  public Optional<java.time.Instant> optionalInstant(String path) {
    Optional<String> text = optionalString(path);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      String value = text.get().strip();
      return Optional.of(value.length() == 10 ? java.time.LocalDate.parse(value).atStartOfDay(
          java.time.ZoneOffset.UTC).toInstant() : java.time.OffsetDateTime.parse(value).toInstant());
    } catch (java.time.format.DateTimeParseException e) {
      problem(path, "'" + text.get() + "' is not a date (2026-11-01) or a timestamp with a zone "
          + "(2026-11-01T00:00:00Z)");
      return Optional.empty();
    }
  }

  public boolean bool(String path) {
    knownPaths.add(path);
    try {
      return config.getBoolean(path);
    } catch (ConfigException.Missing e) {
      problems.add(new ConfigProblem("(not set)", path, "is required"));
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      problem(path, "expected true or false but found " + describe(path));
    }
    return false;
  }

  public List<String> stringList(String path) {
    knownPaths.add(path);
    if (!config.hasPath(path)) {
      return List.of();
    }
    try {
      return List.copyOf(config.getStringList(path));
    } catch (ConfigException.WrongType e) {
      problem(path, "expected a list of strings such as [a, b] but found " + describe(path));
      return List.of();
    }
  }

  /**
   * An open section read as a flat map of strings. Nested keys are joined with dots, so
   * {@code conf { spark.sql.x = 1 }} and {@code conf { "spark.sql.x" = 1 }} read the same.
   */
  public Map<String, String> stringMap(String path) {
    return stringMap(path, false);
  }

  /**
   * As {@link #stringMap(String)}; with {@code listsAsText}, a list of single values is read as its values joined by
   * commas ({@code thresholds = [0.3, 0.7]} reads as {@code "0.3,0.7"}).
   */
  public Map<String, String> stringMap(String path, boolean listsAsText) {
    openSections.add(path);
    Map<String, String> values = new LinkedHashMap<>();
    if (!config.hasPath(path)) {
      return values;
    }
    if (config.getValue(path).valueType() != ConfigValueType.OBJECT) {
      problem(path, "expected a section { key = value } but found " + describe(path));
      return values;
    }
    for (Map.Entry<String, ConfigValue> entry : config.getConfig(path).entrySet()) {
      String key = String.join(".", com.typesafe.config.ConfigUtil.splitPath(entry.getKey()));
      ConfigValue value = entry.getValue();
      if (listsAsText && value.valueType() == ConfigValueType.LIST
          && ((List<?>) value.unwrapped()).stream().noneMatch(v -> v instanceof List || v instanceof Map)) {
        values.put(key, String.join(",", ((List<?>) value.unwrapped()).stream().map(String::valueOf).toList()));
      } else if (value.valueType() == ConfigValueType.LIST || value.valueType() == ConfigValueType.OBJECT) {
        problem(path + "." + entry.getKey(), "expected a single value but found " + value.valueType().name()
            .toLowerCase());
      } else {
        values.put(key, String.valueOf(value.unwrapped()));
      }
    }
    return values;
  }

  /** Every leaf that no reader asked for, as a problem with a suggestion where one is close. */
  public List<ConfigProblem> unknownKeys() {
    List<ConfigProblem> unknown = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> entry : config.entrySet()) {
      String path = entry.getKey();
      if (knownPaths.contains(path) || openSections.stream().anyMatch(s -> path.startsWith(s + "."))) {
        continue;
      }
      String message = "unknown key";
      Optional<String> near = nearest(path);
      if (near.isPresent()) {
        message += " (did you mean " + near.get() + "?)";
      }
      unknown.add(new ConfigProblem(describeOrigin(entry.getValue().origin()), path, message));
    }
    return unknown;
  }

  /**
   * Where {@code path}'s value came from, as {@code file:line} or the override that set it. For a key that is not
   * set, the section of the user's file that should hold it, so the message points where to add it.
   */
  public String originOf(String path) {
    try {
      if (config.hasPath(path)) {
        return describeOrigin(config.getValue(path).origin());
      }
      for (String parent = parentOf(path); parent != null; parent = parentOf(parent)) {
        if (config.hasPath(parent)) {
          String where = describeOrigin(config.getValue(parent).origin());
          return where.startsWith("defaults.conf") ? "(not set)" : where;
        }
      }
      return "(not set)";
    } catch (ConfigException e) {
      return "(config)";
    }
  }

  private static String parentOf(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? null : path.substring(0, dot);
  }

  static String describeOrigin(ConfigOrigin origin) {
    if (origin == null) {
      return "(config)";
    }
    if (origin.filename() != null) {
      return origin.lineNumber() > 0 ? origin.filename() + ":" + origin.lineNumber() : origin.filename();
    }
    String where = origin.description();
    if (where.startsWith("merge of ")) {
      // A section assembled from several layers: the first named is the highest layer that set part of it.
      where = where.substring("merge of ".length()).split(",")[0].strip();
    }
    java.util.regex.Matcher numbered = LINE_SUFFIX.matcher(where);
    int line = origin.lineNumber();
    if (numbered.matches()) {
      where = numbered.group(1);
      line = Integer.parseInt(numbered.group(2));
    }
    int at = where.indexOf(" @ ");
    if (at > 0) {
      where = where.substring(0, at);  // "defaults.conf @ jar:file:/...": the jar's path says nothing useful
    }
    return line > 0 ? where + ":" + line : where;
  }

  private boolean isScalar(String path) {
    ConfigValueType type = config.getValue(path).valueType();
    return type != ConfigValueType.LIST && type != ConfigValueType.OBJECT;
  }

  private String describe(String path) {
    try {
      ConfigValue value = config.getValue(path);
      return switch (value.valueType()) {
        case STRING -> "'" + value.unwrapped() + "'";
        case LIST -> "a list";
        case OBJECT -> "a section";
        default -> String.valueOf(value.unwrapped());
      };
    } catch (ConfigException e) {
      return "nothing";
    }
  }

  private Optional<String> nearest(String path) {
    List<String> candidates = new ArrayList<>(knownPaths);
    candidates.addAll(openSections);
    return candidates.stream()
        .map(known -> Map.entry(known, distance(known, path)))
        .filter(e -> e.getValue() <= Math.max(2, path.length() / 4))
        .min(Comparator.comparingInt(Map.Entry::getValue))
        .map(Map.Entry::getKey);
  }

  /** Levenshtein distance: enough to catch a typo such as {@code sample.fration}. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    Arrays.setAll(previous, i -> i);
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}

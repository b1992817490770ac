package dev.kiln.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.kiln.config.PipelineConfig.DateFeature;
import dev.kiln.config.PipelineConfig.DerivedColumn;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.SelectionConfig;
import dev.kiln.config.PipelineConfig.TextFeature;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The declarative keys of the {@code features} section (docs/features.md): scaling, log, bins, frequency encoding,
 * text, dates, derived columns, interactions and selection, read onto the features the rest of the section gave.
 * Every problem is reported with its key, as {@link PipelineConfigParser} does.
 */
final class DeclarativeFeatures {

  static final List<String> SCALES = List.of("none", "standard", "min-max", "robust");
  static final List<String> CATEGORICAL_ENCODINGS = List.of(FeatureConfig.ONE_HOT, FeatureConfig.NATIVE);
  static final List<String> SELECTION_METHODS = List.of("none", "univariate", "variance");
  /** Spark's selection modes of UnivariateFeatureSelector, spelt as config values. */
  static final List<String> SELECTION_MODES = List.of("num-top-features", "percentile", "fpr", "fdr", "fwe");

  private static final String AT = "features";
  private static final String NO_LABEL = "a feature must not read the label, which serving does not have";

  private DeclarativeFeatures() {}

  /** {@code base} with the declarative keys of {@code features} read from {@code config}. */
  static FeatureConfig read(ConfigReader in, Config config, FeatureConfig base) {
    Map<String, DerivedColumn> derived = derived(in, config, base.label());
    List<String> numericLike = new ArrayList<>(base.numeric());
    numericLike.addAll(derived.keySet());

    String scale = in.oneOf(AT + ".scale", SCALES);
    List<String> log = in.stringList(AT + ".log");
    for (String column : log) {
      if (!numericLike.contains(column)) {
        in.problem(AT + ".log", "'" + column + "' is not a numeric feature (features.numeric) or a derived column");
      }
    }
    Map<String, List<Double>> bucketize = perColumn(in, config, "bucketize", "{ column = [split, ...] }",
        (at, column) -> splits(in, at));
    Map<String, Integer> quantileBins = perColumn(in, config, "quantile-bins", "{ column = number of bins }",
        (at, column) -> (int) in.integer(at, n -> n >= 2 && n <= 10_000, "2 to 10,000 bins"));
    List<String> frequencyEncoded = in.stringList(AT + ".frequency-encoded");
    Map<String, TextFeature> text = listOrSections(in, config, "text", TextFeature.DEFAULT,
        "[column, ...] or a section { column { num-features = 1024, min-doc-freq = 1 } }",
        at -> new TextFeature(
            in.optionalInteger(at + ".num-features", n -> n >= 1 && n <= 1 << 24, "1 to 16,777,216")
                .orElse((long) TextFeature.DEFAULT.numFeatures()).intValue(),
            in.optionalInteger(at + ".min-doc-freq", n -> n >= 0 && n <= Integer.MAX_VALUE, "0 or more rows")
                .orElse((long) TextFeature.DEFAULT.minDocFreq()).intValue()));
    Map<String, DateFeature> dates = listOrSections(in, config, "dates", DateFeature.DEFAULT,
        "[column, ...] or a section { column { parts = [year, month], days-since = \"2000-01-01\" } }",
        at -> dateFeature(in, at));
    List<List<String>> interactions = interactions(in, config, numericLike, base.categorical());
    SelectionConfig selection = selection(in);
    String encoding = in.oneOf(AT + ".categorical-encoding", CATEGORICAL_ENCODINGS);
    if (FeatureConfig.NATIVE.equals(encoding)) {
      interactions.stream().flatMap(List::stream).filter(base.categorical()::contains).findFirst().ifPresent(c ->
          in.problem(AT + ".interactions", "'" + c + "' is categorical, and an interaction multiplies one-hot "
              + "slots, which categorical-encoding = native does not make: set it to one-hot, or leave '" + c
              + "' out of the interactions"));
    }
    if (!"none".equals(scale) && numericLike.isEmpty() && dates.isEmpty()) {
      in.problem(AT + ".scale", "there is no numeric, derived or date feature to scale");
    }

    FeatureConfig features = new FeatureConfig(base.label(), base.numeric(), base.categorical(), base.impute(),
        base.imputeBy(), base.missingIndicators(), base.outliers(), base.imputeCategorical(), base.categoricalFill(),
        base.dropMissingOver(), scale, log, bucketize, quantileBins, frequencyEncoded, text, dates, derived,
        interactions, selection, encoding);
    checkLabelAndDerivedNames(in, features);
    boolean none = features.numeric().isEmpty() && features.categorical().isEmpty() && derived.isEmpty()
        && bucketize.isEmpty() && quantileBins.isEmpty() && frequencyEncoded.isEmpty() && text.isEmpty()
        && dates.isEmpty();
    if (none && config.hasPath(AT + ".numeric") && config.hasPath(AT + ".categorical")) {
      in.problem(AT + ".numeric", "no feature columns: list some in features.numeric or features.categorical "
          + "(or declare others: derived, bucketize, quantile-bins, frequency-encoded, text, dates)");
    }
    return features;
  }

  /** No feature reads the label (serving has none), and derived names are new. */
  private static void checkLabelAndDerivedNames(ConfigReader in, FeatureConfig features) {
    String label = features.label();
    features.inputsByKey().forEach((key, columns) -> {
      // numeric and categorical are PipelineConfigParser's to check, derived expressions derived()'s.
      if (!label.isEmpty() && columns.contains(label)
          && !List.of(AT + ".numeric", AT + ".categorical", AT + ".derived").contains(key)) {
        in.problem(key, "reads the label '" + label + "': " + NO_LABEL);
      }
    });
    List<String> sourceInputs = new ArrayList<>(features.numeric());
    sourceInputs.addAll(features.categorical());
    sourceInputs.addAll(features.imputeBy());
    sourceInputs.addAll(features.frequencyEncoded());
    sourceInputs.addAll(features.text().keySet());
    sourceInputs.addAll(features.dates().keySet());
    for (String name : features.derived().keySet()) {
      String at = ConfigUtil.joinPath(AT, "derived", name);
      if (name.equals(label) || sourceInputs.contains(name)) {
        in.problem(at, "'" + name + "' is already an input column; a derived column needs a new name");
      }
    }
  }

  /** {@code derived { name = "SQL expression" }}: parsed now, so a typo is reported with its key. */
  private static Map<String, DerivedColumn> derived(ConfigReader in, Config config, String label) {
    Map<String, DerivedColumn> derived = new LinkedHashMap<>();
    List<String> names = sectionKeys(in, config, "derived", "{ name = \"SQL expression\" }");
    for (String name : names) {
      String at = ConfigUtil.joinPath(AT, "derived", name);
      String expression = in.string(at);
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]{0,127}") || name.contains("__")) {
        in.problem(at, "'" + name + "' must be letters, digits and '_', not starting with a digit ('__' is kept for "
            + "Kiln's own columns)");
      }
      if (expression.isBlank()) {
        in.problem(at, "must not be empty: a Spark SQL expression such as \"income / (household_size + 1)\"");
        continue;
      }
      try {
        DerivedColumn column = DerivedColumn.of(expression);
        if (column.inputs().contains(label)) {
          in.problem(at, "reads the label '" + label + "': " + NO_LABEL);
        }
        column.inputs().stream().filter(names::contains).forEach(other -> in.problem(at, "reads the derived column '"
            + other + "': derived expressions read input columns only"));
        derived.put(name, column);
      } catch (IllegalArgumentException e) {
        in.problem(at, e.getMessage());
      }
    }
    return Collections.unmodifiableMap(derived);
  }

  /** Split points: numbers, {@code -inf} and {@code inf}, strictly increasing, at least one finite. */
  private static List<Double> splits(ConfigReader in, String at) {
    List<Double> splits = new ArrayList<>();
    for (String text : in.stringList(at)) {
      String point = text.strip().toLowerCase(java.util.Locale.ROOT);
      try {
        splits.add(switch (point) {
          case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
          case "inf", "+inf", "infinity", "+infinity" -> Double.POSITIVE_INFINITY;
          default -> Double.parseDouble(point);
        });
      } catch (NumberFormatException e) {
        in.problem(at, "'" + text + "' is not a split point: a number, -inf or inf");
        return List.of();
      }
    }
    if (splits.stream().noneMatch(Double::isFinite)) {
      in.problem(at, "needs at least one finite split point, e.g. [0, 10, 100]");
    }
    for (int i = 1; i < splits.size(); i++) {
      if (!(splits.get(i) > splits.get(i - 1))) {
        in.problem(at, "split points must increase strictly, but " + splits.get(i) + " follows "
            + splits.get(i - 1));
        break;
      }
    }
    return List.copyOf(splits);
  }

  private static DateFeature dateFeature(ConfigReader in, String at) {
    List<String> parts = in.isSet(at + ".parts") ? in.stringList(at + ".parts") : DateFeature.DEFAULT.parts();
    for (String part : parts) {
      if (!DateFeature.PARTS.contains(part)) {
        in.problem(at + ".parts", "'" + part + "' is not one of " + String.join(", ", DateFeature.PARTS));
      }
    }
    Optional<LocalDate> since = Optional.empty();
    Optional<String> sinceText = in.optionalString(at + ".days-since");
    try {
      since = sinceText.map(t -> LocalDate.parse(t.strip()));
    } catch (java.time.format.DateTimeParseException e) {
      in.problem(at + ".days-since", "'" + sinceText.get() + "' is not a date such as 2000-01-01");
    }
    if (parts.isEmpty() && sinceText.isEmpty()) {
      in.problem(at + ".parts", "no parts and no days-since: nothing to make of this column");
    }
    String zone = in.optionalString(at + ".time-zone").orElse(DateFeature.DEFAULT.timeZone());
    try {
      ZoneId.of(zone);
    } catch (java.time.DateTimeException e) {
      in.problem(at + ".time-zone", "'" + zone + "' is not a time zone such as UTC, Europe/Paris or +02:00");
    }
    return new DateFeature(List.copyOf(parts), since, zone);
  }

  /** {@code interactions = [[a, b], ...]}: each member a numeric, derived or categorical feature. */
  private static List<List<String>> interactions(ConfigReader in, Config config, List<String> numericLike,
      List<String> categorical) {
    String at = AT + ".interactions";
    if (!in.isSet(at)) {
      return List.of();
    }
    String expected = "expected a list of feature lists such as [[age, income], [age, country]]";
    if (config.getValue(at).valueType() != ConfigValueType.LIST) {
      in.problem(at, expected);
      return List.of();
    }
    List<List<String>> groups = new ArrayList<>();
    for (ConfigValue group : config.getList(at)) {
      if (group.valueType() != ConfigValueType.LIST || ((ConfigList) group).size() < 2
          || ((ConfigList) group).stream().anyMatch(v -> v.valueType() != ConfigValueType.STRING)) {
        in.problem(at, expected + ", each of two or more names; found " + group.render(com.typesafe.config.ConfigRenderOptions.concise()));
        continue;
      }
      List<String> members = ((ConfigList) group).stream().map(v -> (String) v.unwrapped()).toList();
      for (String member : members) {
        if (!numericLike.contains(member) && !categorical.contains(member)) {
          in.problem(at, "'" + member + "' in " + members + " is not a numeric, derived or categorical feature");
        }
      }
      if (members.stream().distinct().count() < members.size()) {
        in.problem(at, members + " names a feature twice");
      }
      groups.add(members);
    }
    return List.copyOf(groups);
  }

  private static SelectionConfig selection(ConfigReader in) {
    String at = AT + ".selection";
    String method = in.oneOf(at + ".method", SELECTION_METHODS);
    String mode = in.oneOf(at + ".mode", SELECTION_MODES);
    Optional<Double> given = in.isSet(at + ".threshold")
        ? Optional.of(in.number(at + ".threshold", t -> true, "")) : Optional.empty();
    double threshold;
    if ("variance".equals(method)) {
      threshold = given.orElse(0.0);
      if (threshold < 0) {
        in.problem(at + ".threshold", threshold + " is out of range: a variance, 0 or more");
      }
    } else {
      threshold = switch (mode) {
        case "num-top-features" -> given.orElse(50.0);
        case "percentile" -> given.orElse(0.1);
        default -> given.orElse(0.05);
      };
      boolean valid = switch (mode) {
        case "num-top-features" -> threshold >= 1 && threshold == Math.rint(threshold);
        case "percentile" -> threshold > 0 && threshold <= 1;
        default -> threshold > 0 && threshold < 1;
      };
      if (!valid && "univariate".equals(method) && SELECTION_MODES.contains(mode)) {
        in.problem(at + ".threshold", threshold + " is out of range: " + switch (mode) {
          case "num-top-features" -> "a whole number of features, 1 or more";
          case "percentile" -> "a fraction of the features in (0, 1]";
          default -> "a p-value limit in (0, 1)";
        });
      }
    }
    return new SelectionConfig(method, mode, threshold);
  }

  /** A section {@code features.<name> { column = value }}, each value read by {@code value(key, column)}. */
  private static <V> Map<String, V> perColumn(ConfigReader in, Config config, String name, String shape,
      BiFunction<String, String, V> value) {
    Map<String, V> result = new LinkedHashMap<>();
    for (String column : sectionKeys(in, config, name, shape)) {
      result.put(column, value.apply(ConfigUtil.joinPath(AT, name, column), column));
    }
    return Collections.unmodifiableMap(result);
  }

  /**
   * {@code features.<name>} as a list of columns (each with {@code defaults}) or a section of a section per column,
   * each read by {@code settings(key)}.
   */
  private static <V> Map<String, V> listOrSections(ConfigReader in, Config config, String name, V defaults,
      String shape, java.util.function.Function<String, V> settings) {
    String at = AT + "." + name;
    Map<String, V> result = new LinkedHashMap<>();
    if (in.isSet(at) && config.getValue(at).valueType() == ConfigValueType.LIST) {
      in.stringList(at).forEach(column -> result.put(column, defaults));
      return Collections.unmodifiableMap(result);
    }
    for (String column : sectionKeys(in, config, name, shape)) {
      String columnAt = ConfigUtil.joinPath(AT, name, column);
      if (config.getValue(columnAt).valueType() != ConfigValueType.OBJECT) {
        in.problem(columnAt, "expected a section { ... } of settings (or {} for the defaults)");
        continue;
      }
      result.put(column, settings.apply(columnAt));
    }
    return Collections.unmodifiableMap(result);
  }

  /** The keys of the section {@code features.<name>}; a problem when it is not a section. */
  private static List<String> sectionKeys(ConfigReader in, Config config, String name, String shape) {
    String at = AT + "." + name;
    if (!in.isSet(at)) {
      return List.of();
    }
    if (config.getValue(at).valueType() != ConfigValueType.OBJECT) {
      in.problem(at, "expected " + shape);
      return List.of();
    }
    // Sorted: a config object keeps no order, and the order decides the layout of the feature vector.
    return List.copyOf(new java.util.TreeSet<>(config.getObject(at).keySet()));
  }
}

package dev.kiln.clean;

import static dev.kiln.clean.StageColumns.field;
import static dev.kiln.clean.StageColumns.quoted;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Canonicalises string columns in place, so that deduplication and training see each value spelt one way, and
 * serving spells it the same way. Nothing is learnt: it is a {@link Transformer}, configured and saved with its
 * params.
 *
 * <p><b>Normalisation</b>, in this order, each step optional: Unicode normalisation ({@code unicodeNormalization}:
 * {@code NFKC}, the default, or {@code none}); case ({@code caseMode}: {@code lower}, the default, {@code upper} or
 * {@code none}, independent of the JVM's locale); each run of Unicode white space (tabs, non-breaking spaces...)
 * becomes one space ({@code collapseWhitespace}, default true); white space is trimmed from both ends ({@code trim},
 * default true).
 *
 * <p><b>Value maps</b> ({@code valueMaps}): for an input column, a map from variant spellings to their canonical
 * value, e.g. country {@code "us", "usa", "united states", "u.s."} → {@code "US"}. A value becomes a canonical value
 * when its normalised form is the normalised form of one of its variants (so {@code "  United   States "} matches
 * {@code "united states"}); the canonical value is output verbatim, not normalised. Each canonical value is also a
 * variant of itself, so canonicalising twice changes nothing ({@code "US"} stays {@code "US"} and does not become
 * {@code "us"}). A map whose variants normalise alike but name different canonical values, or whose canonical value
 * normalises to another's variant, is refused. Values matching no variant come out normalised; null stays null (an
 * all-white-space value becomes empty when trimmed, not null).
 *
 * <p><b>Without Spark</b>: {@link #canonicalize(String, String)} applies the same rules to one value, for a row scorer
 * that serves without a Spark session; it returns what {@link #transform} puts in that column.
 *
 * <p><b>Saved</b> with Spark's params metadata alone, so it persists inside a {@code PipelineModel} and
 * {@code PipelineModel.load} restores it: the value maps are a param, saved in that metadata as a JSON object (input
 * column → variant → canonical value).
 */
public final class ValueCanonicalizer extends Transformer implements DefaultParamsWritable {

  public static final String STAGE = "ValueCanonicalizer";
  public static final String NFKC = "NFKC";
  public static final String NONE = TextNormalization.NONE;
  public static final String LOWER = TextNormalization.LOWER;
  public static final String UPPER = TextNormalization.UPPER;

  private final String uid;
  private final StringArrayParam inputCols;
  private final BooleanParam trim;
  private final BooleanParam collapseWhitespace;
  private final Param<String> unicodeNormalization;
  private final Param<String> caseMode;
  private final ValueMapsParam valueMaps;
  /** The rules last built from the params; rebuilt when a param it depends on is set anew. */
  private transient volatile Rules rules;

  public ValueCanonicalizer(String uid) {
    this.uid = uid;
    inputCols = new StringArrayParam(this, "inputCols", "the string columns to canonicalise, in place");
    trim = new BooleanParam(this, "trim", "remove Unicode white space from both ends of each value");
    collapseWhitespace = new BooleanParam(this, "collapseWhitespace",
        "turn each run of Unicode white space into one space");
    unicodeNormalization = new Param<>(this, "unicodeNormalization",
        "the Unicode normalisation of each value: " + NFKC + " or " + NONE,
        ParamValidators.inArray(List.of(NFKC, NONE)));
    caseMode = new Param<>(this, "caseMode", "the case of each value (locale-independent): "
        + LOWER + ", " + UPPER + " or " + NONE, ParamValidators.inArray(List.of(LOWER, UPPER, NONE)));
    valueMaps = new ValueMapsParam(this);
    setDefault(trim, true);
    setDefault(collapseWhitespace, true);
    setDefault(unicodeNormalization, NFKC);
    setDefault(caseMode, LOWER);
    setDefault(valueMaps, Map.of());
  }

  public ValueCanonicalizer() {
    this(Identifiable.randomUID("valueCanonicalizer"));
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when {@code PipelineModel.load} meets this stage. */
  public static MLReader<ValueCanonicalizer> read() {
    return new DefaultParamsReader<>();
  }

  public static ValueCanonicalizer load(String path) {
    return read().load(path);
  }

  @Override
  public String uid() {
    return uid;
  }

  // Spark finds the params by reflection, through these public no-argument methods that return a Param.

  public StringArrayParam inputCols() {
    return inputCols;
  }

  public BooleanParam trim() {
    return trim;
  }

  public BooleanParam collapseWhitespace() {
    return collapseWhitespace;
  }

  public Param<String> unicodeNormalization() {
    return unicodeNormalization;
  }

  public Param<String> caseMode() {
    return caseMode;
  }

  public Param<Map<String, Map<String, String>>> valueMaps() {
    return valueMaps;
  }

  public String[] getInputCols() {
    return getOrDefault(inputCols);
  }

  public boolean getTrim() {
    return (Boolean) getOrDefault(trim);
  }

  public boolean getCollapseWhitespace() {
    return (Boolean) getOrDefault(collapseWhitespace);
  }

  public String getUnicodeNormalization() {
    return getOrDefault(unicodeNormalization);
  }

  public String getCaseMode() {
    return getOrDefault(caseMode);
  }

  /** Input column → variant spelling → canonical value, each map sorted. */
  public Map<String, Map<String, String>> getValueMaps() {
    return getOrDefault(valueMaps);
  }

  public ValueCanonicalizer setInputCols(String... columns) {
    set(inputCols, columns);
    return this;
  }

  public ValueCanonicalizer setTrim(boolean on) {
    set(trim, on);
    return this;
  }

  public ValueCanonicalizer setCollapseWhitespace(boolean on) {
    set(collapseWhitespace, on);
    return this;
  }

  public ValueCanonicalizer setUnicodeNormalization(String form) {
    set(unicodeNormalization, form);
    return this;
  }

  public ValueCanonicalizer setCaseMode(String mode) {
    set(caseMode, mode);
    return this;
  }

  /** Input column → variant spelling → canonical value; replaces any maps set before. */
  public ValueCanonicalizer setValueMaps(Map<String, ? extends Map<String, String>> maps) {
    set(valueMaps, ValueMapsParam.sortedCopy(maps));
    return this;
  }

  /**
   * {@code value} of {@code column} canonicalised as {@link #transform} canonicalises it, without Spark. Cheap after
   * the first call (the maps are normalised once); safe to call from several threads.
   *
   * @throws IllegalArgumentException when {@code column} is not one of the input columns
   */
  public String canonicalize(String column, String value) {
    Rules current = rules();
    if (!current.inputs().contains(column)) {
      throw new IllegalArgumentException(STAGE + ": column '" + column + "' is not one of its input columns ("
          + String.join(", ", current.inputs()) + ")");
    }
    String normalised = current.normalization().apply(value);
    if (normalised == null) {
      return null;
    }
    return current.lookup().getOrDefault(column, Map.of()).getOrDefault(normalised, normalised);
  }

  /**
   * The schema unchanged, checking on the way that every input column is there and of type string, and that the
   * value maps are for input columns and consistent.
   */
  @Override
  public StructType transformSchema(StructType schema) {
    Rules current = rules();
    for (String input : current.inputs()) {
      StructField field = field(STAGE, schema, input);
      if (!(field.dataType() instanceof StringType)) {
        throw StageColumns.wrongType(STAGE, field, "type string");
      }
    }
    return schema;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    Dataset<Row> rows = dataset.toDF();
    Rules current = rules();
    Map<String, Column> normalised = new LinkedHashMap<>();
    Map<String, Column> mapped = new LinkedHashMap<>();
    for (String input : current.inputs()) {
      normalised.put(input, current.normalization().apply(quoted(input), rows.schema().apply(input).nullable()));
      Map<String, String> lookup = current.lookup().getOrDefault(input, Map.of());
      if (!lookup.isEmpty()) {
        List<Column> entries = new ArrayList<>();
        lookup.forEach((variant, canonical) -> {
          entries.add(lit(variant));
          entries.add(lit(canonical));
        });
        Column value = quoted(input);
        // element_at gives null for a value that is no variant (in ANSI mode too, since Spark 3.4).
        mapped.put(input, coalesce(element_at(functions.map(entries.toArray(Column[]::new)), value), value));
      }
    }
    // Two projections, so that each value's normalisation (a UDF) is computed once, not again for the map lookup:
    // Spark does not merge projections that would repeat a UDF.
    Dataset<Row> result = StageColumns.withResults(rows, rows.columns(), normalised);
    return mapped.isEmpty() ? result : StageColumns.withResults(result, result.columns(), mapped);
  }

  @Override
  public ValueCanonicalizer copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** The rules of the current params, built again only when a param they depend on was set since. */
  private Rules rules() {
    if (!isDefined(inputCols) || getInputCols().length == 0) {
      throw new IllegalArgumentException(STAGE + ": no input columns");
    }
    TextNormalization normalization = new TextNormalization(getUnicodeNormalization().equals(NFKC), getCaseMode(),
        getCollapseWhitespace(), getTrim());
    Rules current = rules;
    // Param values are kept as given: the same array and map objects until a param is set anew.
    if (current == null || current.inputCols() != getInputCols() || current.maps() != getValueMaps()
        || !current.normalization().equals(normalization)) {
      current = Rules.of(getInputCols(), normalization, getValueMaps());
      rules = current;
    }
    return current;
  }

  /**
   * What canonicalisation does with the current params: the normalisation, and for each input column with a value
   * map, normalised variant → canonical value. {@code inputCols} and {@code maps} are the param values it was built
   * from.
   */
  private record Rules(String[] inputCols, List<String> inputs, TextNormalization normalization,
      Map<String, Map<String, String>> maps, Map<String, Map<String, String>> lookup) {

    static Rules of(String[] inputCols, TextNormalization normalization, Map<String, Map<String, String>> maps) {
      List<String> inputs = List.of(inputCols);
      StageColumns.requireDistinct(STAGE, inputCols);
      Map<String, Map<String, String>> lookup = new TreeMap<>();
      maps.forEach((column, variants) -> {
        if (!inputs.contains(column)) {
          throw new IllegalArgumentException(STAGE + ": valueMaps has a map for column '" + column
              + "', which is not an input column (" + String.join(", ", inputs) + ")");
        }
        lookup.put(column, lookupOf(column, variants, normalization));
      });
      return new Rules(inputCols, inputs, normalization, maps, lookup);
    }

    private static Map<String, String> lookupOf(String column, Map<String, String> variants,
        TextNormalization normalization) {
      Map<String, String> lookup = new TreeMap<>();
      variants.forEach((variant, canonical) -> {
        String key = normalization.apply(variant);
        String earlier = lookup.putIfAbsent(key, canonical);
        if (earlier != null && !earlier.equals(canonical)) {
          throw new IllegalArgumentException(STAGE + ": the value map of column '" + column + "' makes '" + key
              + "' a variant of both '" + earlier + "' and '" + canonical + "'");
        }
      });
      // A canonical value stands for itself, so that canonical values pass through unchanged.
      for (String canonical : new TreeSet<>(variants.values())) {
        String key = normalization.apply(canonical);
        String earlier = lookup.putIfAbsent(key, canonical);
        if (earlier != null && !earlier.equals(canonical)) {
          throw new IllegalArgumentException(STAGE + ": the value map of column '" + column + "' has the canonical "
              + "value '" + canonical + "', which normalises to '" + key + "', a variant of '" + earlier + "'");
        }
      }
      return Collections.unmodifiableMap(lookup);
    }
  }

  /** The value maps param, saved in the stage's metadata as JSON: {"column": {"variant": "canonical", ...}, ...}. */
  private static final class ValueMapsParam extends Param<Map<String, Map<String, String>>> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Map<String, String>>> TYPE = new TypeReference<>() {};

    ValueMapsParam(Identifiable owner) {
      super(owner, "valueMaps", "for an input column, variant spelling → canonical value; a value whose normalised "
          + "form is a variant's becomes its canonical value, verbatim");
    }

    @Override
    public String jsonEncode(Map<String, Map<String, String>> maps) {
      try {
        return JSON.writeValueAsString(maps);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public Map<String, Map<String, String>> jsonDecode(String json) {
      try {
        return sortedCopy(JSON.readValue(json, TYPE));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(STAGE + ": valueMaps is not a JSON object of objects of strings: " + json,
            e);
      }
    }

    /** An unmodifiable sorted copy (sorted so that the saved JSON is the same for the same maps). */
    static Map<String, Map<String, String>> sortedCopy(Map<String, ? extends Map<String, String>> maps) {
      Map<String, Map<String, String>> copy = new TreeMap<>();
      maps.forEach((column, variants) -> {
        if (column == null) {
          throw new IllegalArgumentException(STAGE + ": valueMaps has a map for a null column");
        }
        Map<String, String> sorted = new TreeMap<>();
        variants.forEach((variant, canonical) -> {
          if (variant == null || canonical == null) {
            throw new IllegalArgumentException(STAGE + ": valueMaps has a null in column '" + column + "': '"
                + variant + "' → '" + canonical + "'");
          }
          sorted.put(variant, canonical);
        });
        copy.put(column, Collections.unmodifiableMap(sorted));
      });
      return Collections.unmodifiableMap(copy);
    }
  }
}

package dev.kiln.clean;

import static dev.kiln.clean.StageAssertions.assertMessage;
import static dev.kiln.clean.StageAssertions.row;
import static dev.kiln.clean.StageAssertions.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class ValueCanonicalizerTest {

  private static final String NBSP = "\u00A0";
  private static final String IDEOGRAPHIC_SPACE = "\u3000";

  private static final Map<String, Map<String, String>> MAPS = Map.of(
      "country", Map.of("us", "US", "usa", "US", "United States", "US", "u.s.", "US", "Deutschland", "DE"),
      "city", Map.of("nyc", "New York", "new york city", "New York"));

  /** Messy spellings: padding, tabs, non-breaking and ideographic spaces, fullwidth letters, mixed case, nulls. */
  private static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.IntegerType, false)
      .add("country", DataTypes.StringType, true)
      .add("city", DataTypes.StringType, true)
      .add("label", DataTypes.DoubleType, false);

  private static final List<Row> MESSY = List.of(
      row(1, "  United   States ", "New" + NBSP + NBSP + "York\tCity", 1.0),
      row(2, "usa", "NYC", 0.0),
      row(3, "ＵＳＡ", "  ｎｙｃ", 1.0),
      row(4, "U.S.", "\tBoston ", 0.0),
      row(5, "US", "New York", 1.0),
      row(6, "\tGermany" + NBSP, "Berlin" + IDEOGRAPHIC_SPACE + "Mitte", 0.0),
      row(7, "DEUTSCHLAND", "Ｍünchen", 1.0),
      row(8, null, null, 0.0),
      row(9, IDEOGRAPHIC_SPACE + " ", "", 1.0),
      row(10, "Côte d'Ivoire", "ABIDJAN", 0.0));

  @Test
  void valuesAreNormalisedAndVariantsBecomeTheirCanonicalValueVerbatim(SparkSession spark) {
    Dataset<Row> messy = spark.createDataFrame(MESSY, SCHEMA);
    ValueCanonicalizer canonicalizer = new ValueCanonicalizer().setInputCols("country", "city").setValueMaps(MAPS);

    assertEquals(List.of(
            row(1, "US", "New York"),
            row(2, "US", "New York"),
            row(3, "US", "New York"),
            row(4, "US", "boston"),
            // A canonical value is a variant of itself: "US" and "New York" stay as they are.
            row(5, "US", "New York"),
            row(6, "germany", "berlin mitte"),
            row(7, "DE", "münchen"),
            row(8, null, null),
            row(9, "", ""),
            row(10, "côte d'ivoire", "abidjan")),
        sorted(canonicalizer.transform(messy), "id", "country", "city"));
    assertCanonicalizeAgreesWithTransform(canonicalizer, messy);
    // Canonical values are a fixed point: canonicalising the output again changes nothing.
    Dataset<Row> once = canonicalizer.transform(messy);
    assertEquals(sorted(once, "id", "country", "city"), sorted(canonicalizer.transform(once), "id", "country", "city"));
  }

  @Test
  void eachNormalisationStepCanBeTurnedOff(SparkSession spark) {
    Dataset<Row> messy = spark.createDataFrame(MESSY, SCHEMA);
    ValueCanonicalizer upperOnly = new ValueCanonicalizer().setInputCols("country", "city").setTrim(false)
        .setCollapseWhitespace(false).setUnicodeNormalization("none").setCaseMode("upper");
    assertEquals(List.of(
            row(1, "  UNITED   STATES ", "NEW" + NBSP + NBSP + "YORK\tCITY"),
            row(3, "ＵＳＡ", "  ＮＹＣ"),
            row(6, "\tGERMANY" + NBSP, "BERLIN" + IDEOGRAPHIC_SPACE + "MITTE")),
        sorted(upperOnly.transform(messy).where("id in (1, 3, 6)"), "id", "country", "city"));
    assertCanonicalizeAgreesWithTransform(upperOnly, messy);

    // Collapsing without trimming leaves one space at each padded end; without a case change the map still
    // matches, on the spellings as they are normalised.
    ValueCanonicalizer collapseOnly = new ValueCanonicalizer().setInputCols("country").setTrim(false)
        .setCaseMode("none").setValueMaps(Map.of("country", Map.of("United States", "US")));
    assertEquals(List.of(row(1, " United States "), row(3, "USA"), row(6, " Germany "), row(9, " ")),
        sorted(collapseOnly.transform(messy).where("id in (1, 3, 6, 9)"), "id", "country"));
    assertEquals("US", collapseOnly.canonicalize("country", "United" + NBSP + "States"));
    assertCanonicalizeAgreesWithTransform(collapseOnly, messy);
    assertCanonicalizeAgreesWithTransform(collapseOnly.copy(ParamMap.empty().put(collapseOnly.trim(), true)), messy);
  }

  @Test
  void aSavedPipelineCanonicalisesExactlyAsBefore(SparkSession spark, DataFrameAssertions frames, @TempDir Path dir)
      throws Exception {
    Dataset<Row> messy = spark.createDataFrame(MESSY, SCHEMA);
    ValueCanonicalizer canonicalizer = new ValueCanonicalizer().setInputCols("country", "city").setValueMaps(MAPS)
        .setCaseMode("upper");
    SavedPipelines saved = SavedPipelines.fitSaveAndLoad(canonicalizer, new String[] {"id"}, messy, dir);

    frames.assertEquals(saved.fitted().transform(messy), saved.loaded().transform(messy));
    ValueCanonicalizer loaded = saved.loadedStage();
    assertEquals(canonicalizer.uid(), loaded.uid());
    assertEquals(MAPS, loaded.getValueMaps());
    assertEquals("upper", loaded.getCaseMode());
    assertEquals(List.of("country", "city"), List.of(loaded.getInputCols()));
    assertFalse(loaded.isSet(loaded.trim()));
    assertEquals("BOSTON", loaded.canonicalize("city", "\tboston "));
    assertEquals("New York", loaded.canonicalize("city", "new york city"));
    assertCanonicalizeAgreesWithTransform(loaded, messy);
    assertEquals(MAPS, ValueCanonicalizer.load(dir.resolve("model/stages/0_" + loaded.uid()).toString())
        .getValueMaps());
    // A non-nullable column stays non-nullable, as transformSchema says.
    Dataset<Row> present = spark.sql("select 'usa' as country, ' Paris ' as city");
    assertEquals(loaded.transformSchema(present.schema()), loaded.transform(present).schema());
    assertFalse(loaded.transform(present).schema().apply("city").nullable());
  }

  @Test
  void schemaAndMapProblemsNameTheColumn(SparkSession spark) {
    Dataset<Row> data = spark.createDataFrame(MESSY, SCHEMA);
    assertMessage("ValueCanonicalizer: column 'town' is not in the data (its columns: id, country, city, label)",
        () -> new ValueCanonicalizer().setInputCols("country", "town").transform(data));
    assertMessage("ValueCanonicalizer: column 'id' has type int; it needs type string",
        () -> new ValueCanonicalizer().setInputCols("country", "id").transform(data));
    assertMessage("ValueCanonicalizer: no input columns", () -> new ValueCanonicalizer().transform(data));
    assertMessage("ValueCanonicalizer: valueMaps has a map for column 'town', which is not an input column (country)",
        () -> new ValueCanonicalizer().setInputCols("country").setValueMaps(Map.of("town", Map.of("a", "A")))
            .transform(data));
    assertMessage("ValueCanonicalizer: the value map of column 'country' makes 'usa' a variant of both 'US' and "
        + "'USA'", () -> new ValueCanonicalizer().setInputCols("country")
        .setValueMaps(Map.of("country", Map.of(" USA", "US", "usa", "USA"))).transform(data));
    assertMessage("ValueCanonicalizer: the value map of column 'country' has the canonical value 'USA', which "
        + "normalises to 'usa', a variant of 'US'", () -> new ValueCanonicalizer().setInputCols("country")
        .setValueMaps(Map.of("country", Map.of("usa", "US", "america", "USA"))).canonicalize("country", "x"));
    assertMessage("ValueCanonicalizer: column 'city' is not one of its input columns (country)",
        () -> new ValueCanonicalizer().setInputCols("country").canonicalize("city", "Paris"));
  }

  /** For every row and input column, canonicalize(column, raw value) is the value transform puts there. */
  private static void assertCanonicalizeAgreesWithTransform(ValueCanonicalizer canonicalizer, Dataset<Row> raw) {
    String[] columns = canonicalizer.getInputCols();
    String[] selected = Stream.concat(Stream.of("id"), Arrays.stream(columns)).toArray(String[]::new);
    List<Row> before = sorted(raw, selected);
    List<Row> after = sorted(canonicalizer.transform(raw), selected);
    assertEquals(before.size(), after.size());
    for (int i = 0; i < before.size(); i++) {
      for (int c = 0; c < columns.length; c++) {
        String value = before.get(i).getString(c + 1);
        assertEquals(after.get(i).getString(c + 1), canonicalizer.canonicalize(columns[c], value),
            columns[c] + " of '" + value + "'");
      }
    }
  }
}

package dev.kiln.clean;

import static dev.kiln.clean.StageAssertions.assertMessage;
import static dev.kiln.clean.StageAssertions.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

@UsesSpark
class NearDuplicatesTest {

  private static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.IntegerType, false)
      .add("description", DataTypes.StringType, true);

  /** Jaccard similarities of 3-character shingles: 1 ~ 2 0.87, 1 = 3 once normalised, 1 ~ 4 0.76, 5 ~ 6 0.93. */
  private static final List<Row> PRODUCTS = List.of(
      row(1, "Apple iPhone 13 Pro Max 256GB Graphite"),
      row(2, "Apple iPhone 13 Pro Max 256 GB graphite"),
      row(3, "  apple iphone 13 pro max\t256GB GRAPHITE"),
      row(4, "Apple iPhone 13 Pro Max 512GB Graphite"),
      row(5, "Samsung Galaxy S21 Ultra 128GB Phantom Black"),
      row(6, "Samsung Galaxy S21 Ultra 128GB Phantom Blak"),
      row(7, "Apple iPhone 13 Mini 128GB Blue"),
      row(8, "Logitech MX Master 3 Mouse"),
      row(8, "Logitech MX Master 3 Mouse"),
      // Shorter than a shingle: each text is one shingle, "ab" once normalised.
      row(9, "ab"),
      row(10, "AB"),
      row(11, null),
      row(12, null),
      row(13, ""),
      row(14, " \t "));

  @Test
  void ofEachGroupOfAlikeTextsTheRowWithTheSmallestIdStays(SparkSession spark) {
    Dataset<Row> products = spark.createDataFrame(PRODUCTS, SCHEMA);
    Dataset<Row> kept = new NearDuplicates("description", 0.8).dropNearDuplicates(products);

    assertEquals(products.schema(), kept.schema());
    // Nulls, empty texts and texts alike to none (4 is another model) all stay; of 8's two equal rows one stays.
    List<Integer> expected = new ArrayList<>(List.of(4, 7, 8, 11, 12, 13, 14));
    expected.add(smallestId(products, 1, 2, 3));
    expected.add(smallestId(products, 5, 6));
    expected.add(smallestId(products, 9, 10));
    assertEquals(expected.stream().sorted().toList(), ids(kept));
  }

  @Test
  void theOutcomeDoesNotDependOnPartitioning(SparkSession spark, DataFrameAssertions frames) {
    Dataset<Row> products = spark.createDataFrame(PRODUCTS, SCHEMA);
    NearDuplicates near = new NearDuplicates("description", 0.8);
    frames.assertEqualsIgnoringOrder(near.dropNearDuplicates(products.repartition(1)),
        near.dropNearDuplicates(products.repartition(7)));
  }

  @Test
  void atThresholdOneOnlyEqualNormalisedTextsGo(SparkSession spark) {
    Dataset<Row> products = spark.createDataFrame(PRODUCTS, SCHEMA);
    Dataset<Row> kept = new NearDuplicates("description", 1.0).dropNearDuplicates(products);

    List<Integer> expected = new ArrayList<>(List.of(2, 4, 5, 6, 7, 8, 11, 12, 13, 14));
    expected.add(smallestId(products, 1, 3));
    expected.add(smallestId(products, 9, 10));
    assertEquals(expected.stream().sorted().toList(), ids(kept));
  }

  @Test
  void aRemovedRowStillRemovesTheRowsAfterIt(SparkSession spark) {
    // A ~ B and B ~ C, but not A ~ C: in id order, the first stays and whichever of the others has a smaller alike
    // row goes; the three texts below are alike in a chain at 0.7 (similarities 0.87, 0.76; 0.65 for the ends).
    Dataset<Row> chain = spark.createDataFrame(List.of(
        row(1, "red cotton shirt size m"),
        row(2, "red cotton shirt size xl"),
        row(3, "red cotton skirt size xl")), SCHEMA);
    List<Integer> byId = idsByRowId(chain);
    int first = byId.get(0);
    Set<Integer> expected = new TreeSet<>(Set.of(first));
    if (first == 2) {
      // The middle row first: both ends are alike to it, and go.
      assertEquals(List.of(2), ids(new NearDuplicates("description", 0.7).dropNearDuplicates(chain)));
      return;
    }
    // An end first: the middle goes for it; the other end goes for the middle if the middle comes before it.
    int otherEnd = first == 1 ? 3 : 1;
    if (byId.indexOf(otherEnd) < byId.indexOf(2)) {
      expected.add(otherEnd);
    }
    assertEquals(List.copyOf(expected), ids(new NearDuplicates("description", 0.7).dropNearDuplicates(chain)));
  }

  @Test
  void theTextColumnMustBeAStringColumnThatIsThere(SparkSession spark) {
    Dataset<Row> products = spark.createDataFrame(PRODUCTS, SCHEMA);
    assertMessage("NearDuplicates: column 'title' is not in the data (its columns: id, description)",
        () -> new NearDuplicates("title", 0.8).dropNearDuplicates(products));
    assertMessage("NearDuplicates: column 'id' has type int; it needs type string",
        () -> new NearDuplicates("id", 0.8).dropNearDuplicates(products));
    assertThrows(IllegalArgumentException.class, () -> new NearDuplicates("description", 0));
    assertThrows(IllegalArgumentException.class, () -> new NearDuplicates("description", 0.8, 0, 5, 1));
  }

  private static List<Integer> ids(Dataset<Row> rows) {
    return rows.select("id").collectAsList().stream().map(r -> r.getInt(0)).sorted().toList();
  }

  /** Of the given ids, the one whose row comes first in NearDuplicates' order: the smallest xxhash64 of the row. */
  private static int smallestId(Dataset<Row> rows, Integer... ids) {
    Set<Integer> among = Stream.of(ids).collect(Collectors.toSet());
    return idsByRowId(rows).stream().filter(among::contains).findFirst().orElseThrow();
  }

  /** The ids in NearDuplicates' order of rows (xxhash64 of all columns; the test's rows do not collide). */
  private static List<Integer> idsByRowId(Dataset<Row> rows) {
    return rows.selectExpr("id", "xxhash64(id, description) as hash").collectAsList().stream()
        .sorted(Comparator.comparingLong(r -> r.getLong(1))).map(r -> r.getInt(0)).distinct().toList();
  }
}

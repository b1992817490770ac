package dev.kiln.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig.ColumnContract;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.source.FileSource;
import dev.kiln.testing.UsesSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class ContractCheckerTest {

  private static final String MESSY_CSV = """
      id,age,country,signup,score,label
      1,34,US,2024-01-05,0.5,1
      2,41,DE,2024-02-11,1.5,0
      3,29,US,2024-03-01,,1
      4,x7,US,2024-03-02,0.1,0
      5,150,DE,2024-03-03,0.2,1
      6,33,FR,2024-03-04,0.3,0
      ,35,US,2024-03-05,0.4,1
      8,36,US,2024-13-45,0.6,0
      9,37,US,2024-03-07,0.7,
      10,38,US
      11,39,US,2024-03-09,0.9,1,surplus
      12,40,"D,E",2024-03-10,1.0,0
      """;

  private static final List<ColumnContract> CONTRACT = List.of(
      column("id", "long", false),
      new ColumnContract("age", "int", true, Optional.of(0.0), Optional.of(120.0), List.of(), Optional.empty()),
      new ColumnContract("country", "string", true, Optional.empty(), Optional.empty(), List.of("US", "DE"),
          Optional.empty()),
      new ColumnContract("signup", "date", true, Optional.empty(), Optional.empty(), List.of(),
          Optional.of("yyyy-MM-dd")),
      column("score", "double", true),
      column("label", "int", true));

  @TempDir
  Path dir;

  @Test
  void everyRowIsKeptOrQuarantinedUnderItsFirstBrokenRule(SparkSession spark) throws IOException {
    Path csv = write("messy.csv", MESSY_CSV);
    Dataset<Row> rows = new FileSource("csv", csv.toUri().toString(), Map.of("header", "true"), true)
        .read(spark).rows();
    ContractChecker checker = checker();
    Dataset<Row> checked = checker.check(rows, "messy.csv").cache();

    assertEquals(Map.of("", 3L, "unparseable_value", 2L, "out_of_range", 1L, "category_not_allowed", 2L,
        "null_not_allowed", 1L, "missing_label", 1L, "csv_column_count", 2L),
        ContractChecker.countByReason(checked));

    Dataset<Row> kept = checker.kept(checked, "messy.csv");
    assertEquals(List.of("id", "age", "country", "signup", "score", "label"), List.of(kept.columns()));
    assertEquals(DataTypes.IntegerType, kept.schema().apply("age").dataType());
    assertEquals(DataTypes.DateType, kept.schema().apply("signup").dataType());
    assertEquals(List.of(1L, 2L, 3L), kept.orderBy("id").collectAsList().stream().map(r -> r.getLong(0)).toList());

    Map<Object, Row> quarantined = checker.quarantined(checked, "run-1", "p", "file:/messy.csv", Instant.now())
        .collectAsList().stream().collect(Collectors.toMap(r -> r.getAs("record"), r -> r));
    Row shortLine = quarantined.get("10,38,US");
    assertEquals("csv_column_count", shortLine.getAs("reason"));
    assertEquals("3 fields; the header has 6", shortLine.getAs("detail"));
    assertTrue(shortLine.<String>getAs("source_file").endsWith("messy.csv"), shortLine.toString());
    assertEquals("run-1", shortLine.getAs("run_id"));
    Row unparseable = quarantined.values().stream().filter(r -> "age".equals(r.getAs("column"))
        && "unparseable_value".equals(r.getAs("reason"))).findFirst().orElseThrow();
    assertEquals("'x7' is not a valid int", unparseable.getAs("detail"));
    assertTrue(unparseable.<String>getAs("record").contains("\"age\":\"x7\""), unparseable.toString());
    assertTrue(quarantined.values().stream().anyMatch(r -> "150 is outside [0, 120]".equals(r.getAs("detail"))));
    assertTrue(quarantined.values().stream().anyMatch(r -> "signup".equals(r.getAs("column"))
        && "'2024-13-45' is not a valid date".equals(r.getAs("detail"))));
    checked.unpersist();
  }

  @Test
  void withoutAContractMalformedRecordsAndUnlabelledRowsAreStillQuarantined(SparkSession spark) throws IOException {
    Path csv = write("typed.csv", "a,b,label\n1,2.5,1\nabc,3.5,0\n4,4.5\n5,5.5,\n6,6.5,0\n");
    Dataset<Row> rows = new FileSource("csv", csv.toUri().toString(),
        Map.of("header", "true", "inferSchema", "true"), false).read(spark).rows();
    ContractChecker checker = new ContractChecker(List.of(), Optional.of("label"),
        Optional.of(ContractChecker.CsvDialect.of(Map.of())));
    Dataset<Row> checked = checker.check(rows, "typed.csv").cache();
    // "abc" in the column Spark inferred as... string, since one value is not a number: only the short line and
    // the missing label are problems here.
    Map<String, Long> counts = ContractChecker.countByReason(checked);
    assertEquals(1L, counts.get("csv_column_count"), counts.toString());
    assertEquals(1L, counts.get("missing_label"), counts.toString());
    assertEquals(3L, counts.get(""), counts.toString());
    checked.unpersist();

    Path json = write("broken.json", "{\"a\": 1, \"label\": 1}\n{\"a\": 2, \n{\"a\": 3, \"label\": 0}\n");
    Dataset<Row> jsonRows = new FileSource("json", json.toUri().toString(), Map.of(), false).read(spark).rows();
    Dataset<Row> jsonChecked = new ContractChecker(List.of(), Optional.of("label"), Optional.empty())
        .check(jsonRows, "broken.json").cache();
    assertEquals(Map.of("", 2L, "malformed_record", 1L), ContractChecker.countByReason(jsonChecked));
    jsonChecked.unpersist();
  }

  @Test
  void aColumnTheContractNamesButTheSourceLacksIsNamed(SparkSession spark) throws IOException {
    Path csv = write("narrow.csv", "id,label\n1,0\n");
    Dataset<Row> rows = new FileSource("csv", csv.toUri().toString(), Map.of("header", "true"), true)
        .read(spark).rows();
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> checker().check(rows, "narrow.csv"));
    assertTrue(e.getMessage().contains("age, country, signup, score") && e.getMessage().contains("narrow.csv"),
        e.getMessage());
  }

  @Test
  void anInferredContractIsSavedReadableAndReadsBackTheSame(SparkSession spark) throws IOException {
    Path csv = write("good.csv", """
        id,age,country,signup,score,note,label
        1,34,US,2024-01-05,0.5,free text one,1
        2,41,DE,2024-02-11,,free text two,0
        3,34,US,2024-03-01,2.5,free text three,1
        """);
    Dataset<Row> rows = new FileSource("csv", csv.toUri().toString(), Map.of("header", "true"), true)
        .read(spark).rows();
    List<ColumnContract> inferred = new ContractInference(2, Optional.of("label")).infer(rows);
    Map<String, ColumnContract> byName = inferred.stream()
        .collect(Collectors.toMap(ColumnContract::name, c -> c));
    assertEquals("int", byName.get("id").type());
    assertEquals(false, byName.get("id").nullable());
    assertEquals(Optional.empty(), byName.get("id").min(), "an identifier has no range: new ids are not errors");
    assertEquals(Optional.of(34.0), byName.get("age").min());
    assertEquals(Optional.of(41.0), byName.get("age").max());
    assertEquals(List.of("DE", "US"), byName.get("country").allowed());
    assertEquals("date", byName.get("signup").type());
    assertEquals("double", byName.get("score").type());
    assertTrue(byName.get("score").nullable());
    assertEquals(false, byName.get("note").nullable());
    assertEquals(List.of(), byName.get("note").allowed(), "more distinct values than max-categories");
    assertTrue(byName.get("label").nullable(), "unlabelled rows are quarantined as missing_label instead");

    String text = ContractFile.render(inferred, "Inferred for a test\non two lines");
    assertTrue(text.startsWith("# Inferred for a test\n# on two lines\ncolumns {\n"), text);
    assertTrue(text.contains("age { type = int, nullable = false, min = 34, max = 41 }"), text);
    // HOCON sections have no order; the checker follows the data's column order, not the contract's.
    assertEquals(byName, ContractFile.parse(text, "contract.conf").stream()
        .collect(Collectors.toMap(ColumnContract::name, c -> c)));

    // The rows it was inferred from pass it.
    ContractChecker checker = new ContractChecker(inferred, Optional.of("label"), Optional.empty());
    assertEquals(Map.of("", 3L), ContractChecker.countByReason(checker.check(rows, "good.csv")));
  }

  private static ContractChecker checker() {
    return new ContractChecker(CONTRACT, Optional.of("label"), Optional.of(ContractChecker.CsvDialect.of(Map.of())));
  }

  private static ColumnContract column(String name, String type, boolean nullable) {
    return new ColumnContract(name, type, nullable, Optional.empty(), Optional.empty(), List.of(), Optional.empty());
  }

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }
}

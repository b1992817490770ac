package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln sample}, {@code kiln contract --save} and {@code kiln clean} on a small messy CSV: the contract is
 * inferred from the good rows and saved, the clean step enforces it, and every rejected row lands in the quarantine
 * table with its reason.
 */
class CleanCommandTest {

  @TempDir
  Path dir;

  @Test
  void aContractInferredOnceIsEnforcedAndBrokenRowsAreQuarantined() throws IOException {
    SparkSession spark = SharedSpark.session();
    Path data = dir.resolve("orders.csv");
    StringBuilder csv = new StringBuilder("order_id,amount,country,label\n");
    for (int i = 1; i <= 60; i++) {
      csv.append(i).append(',').append(10 + i % 40).append(',').append(i % 3 == 0 ? "DE" : "US").append(',')
          .append(i % 2).append('\n');
    }
    Files.writeString(data, csv.toString());
    Path conf = dir.resolve("orders.conf");
    Files.writeString(conf, """
        pipeline.name = orders
        warehouse = "%s"
        source { format = csv, path = "%s", options { header = "true" } }
        contract.infer = true
        features { label = label, numeric = [amount], categorical = [country] }
        spark.partitions = 2
        """.formatted(dir.resolve("wh"), data));
    String pipeline = "file:" + dir.resolve("wh/pipelines/orders");

    assertEquals(0, KilnCli.run("sample", conf.toString()).exitCode());
    KilnCli.Outcome contract = KilnCli.run("contract", conf.toString(), "--save");
    assertEquals(0, contract.exitCode(), contract.toString());
    assertTrue(contract.out().contains("saved      " + pipeline + "/contract.conf"), contract.out());
    String saved = Files.readString(dir.resolve("wh/pipelines/orders/contract.conf"));
    assertTrue(saved.contains("amount { type = int, nullable = false, min = 10, max = 49 }"), saved);
    assertTrue(saved.contains("country { type = string, nullable = false, allowed = [\"DE\", \"US\"] }"), saved);

    // New data arrives with problems the saved contract catches.
    Files.writeString(data, csv + "61,500,US,1\n62,20,FR,0\n63,ten,US,1\n64,20,US\n65,20,US,\n66,,DE,0\n",
        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
    assertEquals(0, KilnCli.run("sample", conf.toString()).exitCode());
    KilnCli.Outcome clean = KilnCli.run("clean", conf.toString());
    assertEquals(0, clean.exitCode(), clean.toString());
    assertTrue(clean.out().contains("quarantined 6 rows (1 category_not_allowed, 1 csv_column_count, "
        + "1 missing_label, 1 null_not_allowed, 1 out_of_range, 1 unparseable_value) → " + pipeline + "/quarantine"),
        clean.out());
    assertTrue(clean.out().contains("60 rows kept"), clean.out());

    Map<String, String> reasons = spark.read().format("delta").load(pipeline + "/quarantine").collectAsList()
        .stream().collect(Collectors.toMap(r -> r.<String>getAs("reason"), r -> r.<String>getAs("detail")));
    assertEquals(Map.of(
        "out_of_range", "500 is outside [10, 49]",
        "category_not_allowed", "'FR' is not one of the 2 allowed values",
        "unparseable_value", "'ten' is not a valid int",
        "csv_column_count", "3 fields; the header has 4",
        "missing_label", "no label",
        "null_not_allowed", "missing in a column the contract says is not nullable"), reasons);
    List<Row> clean60 = spark.read().format("delta").load(pipeline + "/clean").collectAsList();
    assertEquals(60, clean60.size());
    assertEquals(List.of("order_id", "amount", "country", "label"),
        List.of(spark.read().format("delta").load(pipeline + "/clean").columns()));

    KilnCli.Outcome broken = KilnCli.run("clean", conf.toString(), "--conf", "contract.infer=false",
        "--conf", "contract.columns.amount.type=integer");
    assertEquals(2, broken.exitCode(), broken.toString());
    assertTrue(broken.err().contains("contract.columns.amount.type"), broken.err());
  }
}

package dev.kiln.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.contract.QuarantineTable;
import dev.kiln.testing.UsesSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The row ledger on messy data whose every flaw is known: the count of each kind of problem written into the files
 * must come back exactly under its reason, and the ledger must balance to the row.
 */
@UsesSpark
class RowLedgerBalanceTest {

  @TempDir
  Path dir;

  /** What was written into the files, by the ledger key it must be counted under. */
  private final Map<String, Long> injected = new LinkedHashMap<>();

  @Test
  void everyRowOfMessyDataIsAccountedForUnderItsReason(SparkSession spark) throws IOException {
    Path data = dir.resolve("customers");
    Files.createDirectories(data);
    int lines = writeMessyCsv(data, 2_400, 11);
    Path file = dir.resolve("messy.conf");
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = messy
        source { format = csv, path = "%s", options { header = "true" } }
        sample { fraction = 1.0 }
        clean.dedup { key = [customer], latest-by = updated }
        clean.canonicalize { values { country { US = [us, usa, "united states"], DE = [germany], FR = [france] } } }
        clean.near-duplicates { column = note, threshold = 0.8 }
        contract.columns {
          customer { type = long, nullable = false }
          updated { type = timestamp }
          age { type = int, min = 18, max = 100 }
          income { type = double }
          plan { type = string, allowed = [basic, pro, team] }
          country { type = string, allowed = [US, DE, FR] }
          label { type = int }
        }
        features {
          label = label
          numeric = [age, income]
          categorical = [country, plan]
          impute-categorical = mode
          outliers { method = iqr, action = drop, iqr-k = 3 }
        }
        model { algorithm = logistic-regression, params { maxIter = 20 } }
        evaluation { split-by = [customer], test-fraction = 0.25 }
        spark.partitions = 2
        """.formatted(dir.resolve("warehouse"), data));
    PipelineConfig config = Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration());

    TrainingLoop loop = new TrainingLoop(spark, config, TrainingLoop.Progress.silent());
    TrainingLoop.Trained trained = loop.train();
    RowLedger ledger = new RowLedger().putAll(trained.ledger().asMap());

    assertEquals(lines, ledger.get(RowLedger.SOURCE), "every data line of the files is read");
    injected.forEach((key, count) -> assertEquals(count, ledger.get(key), key + " in " + ledger.asMap()));
    assertTrue(ledger.get(RowLedger.OUTLIERS_DROPPED) >= 6, "the extreme incomes are dropped: " + ledger.asMap());
    assertEquals(0, ledger.unaccounted(), "the ledger balances: " + ledger.asMap());

    // The quarantine table holds this run's rows, each with its reason and source file.
    List<Row> quarantined = spark.read().format("delta").load(QuarantineTable.location(config))
        .filter("run_id = '" + loop.runId() + "'").collectAsList();
    assertEquals(ledger.get(RowLedger.QUARANTINED), quarantined.size());
    assertTrue(quarantined.stream().allMatch(r -> r.<String>getAs("source_file").contains("customers/part-")),
        "each quarantined row says which file it came from");
    assertTrue(trained.model().stages()[0] instanceof dev.kiln.clean.ValueCanonicalizer,
        "the model canonicalises country at serving time as the clean step did");
    assertTrue(trained.metrics().get("auc_roc") > 0.7, "the clean rows still carry the signal: " + trained.metrics());
  }

  /**
   * Good rows (label driven by age and plan) in three files, then known numbers of: exact duplicate lines, older
   * versions of a customer's record, short lines, unparseable ages, out-of-range ages, unknown plans, null customer
   * ids, missing labels, and extreme incomes. Returns the number of data lines.
   */
  private int writeMessyCsv(Path directory, int customers, long seed) throws IOException {
    Random random = new Random(seed);
    List<String> rows = new ArrayList<>();
    String[] plans = {"basic", "pro", "team"};
    String[] countries = {"US", "DE", "FR", ""};
    for (int c = 1; c <= customers; c++) {
      int age = 18 + random.nextInt(70);
      String plan = plans[random.nextInt(3)];
      double income = 20_000 + random.nextGaussian() * 5_000 + age * 500;
      int label = (age > 50 ? 1 : 0) ^ (random.nextDouble() < 0.1 ? 1 : 0);
      rows.add(line(c, "2024-05-01 10:00:00", age, income, countries[random.nextInt(4)], plan, label)
          + "," + note(random));
    }
    List<String> extra = new ArrayList<>();
    inject(extra, "exact_duplicates", 30, i -> rows.get(i * 7));
    inject(extra, "superseded_records", 40, i -> line(100 + i, "2024-01-01 00:00:00", 40, 30_000, "US", "pro", 0)
        + "," + note(random));
    // The same record with its country spelt differently: a duplicate once canonicalised (counted with the exact).
    List<String> american = rows.stream().filter(r -> r.contains(",US,")).skip(300).limit(10).toList();
    american.forEach(r -> extra.add(r.replace(",US,", ",  United   States ,")));
    injected.merge("exact_duplicates", 10L, Long::sum);
    // Another customer's row whose note differs from an existing one by a typo: a near duplicate.
    inject(extra, "near_duplicates", 8, i -> {
      String[] fields = rows.get(1_000 + i).split(",");
      String typo = fields[7].substring(0, 39) + (fields[7].charAt(39) == 'x' ? 'y' : 'x');
      return line(20_000 + i, "2024-05-01 10:00:00", 30, 30_000, "FR", "basic", 0) + "," + typo;
    });
    inject(extra, "quarantined_csv_column_count", 25, i -> (5_000 + i) + ",2024-05-01 10:00:00,33");
    inject(extra, "quarantined_unparseable_value", 20,
        i -> (6_000 + i) + ",2024-05-01 10:00:00,thirty," + 30_000 + ",US,pro,1," + note(random));
    inject(extra, "quarantined_out_of_range", 15, i -> line(7_000 + i, "2024-05-01 10:00:00", 500, 30_000, "US",
        "pro", 1) + "," + note(random));
    inject(extra, "quarantined_category_not_allowed", 10, i -> line(8_000 + i, "2024-05-01 10:00:00", 30, 30_000,
        "US", "enterprise", 0) + "," + note(random));
    inject(extra, "quarantined_null_not_allowed", 5, i -> ",2024-05-01 10:00:00,30,30000.0,US,pro,0," + note(random));
    inject(extra, "quarantined_missing_label", 12, i -> line(9_000 + i, "2024-05-01 10:00:00", 30, 30_000, "US",
        "pro", -1).replaceAll(",-1$", ",") + "," + note(random));
    for (int i = 0; i < 6; i++) {
      extra.add(line(10_000 + i, "2024-05-01 10:00:00", 45, 5_000_000 + i, "DE", "team", 1) + "," + note(random));
    }
    long quarantined = injected.entrySet().stream().filter(e -> e.getKey().startsWith("quarantined_"))
        .mapToLong(Map.Entry::getValue).sum();
    injected.put(RowLedger.QUARANTINED, quarantined);
    List<String> all = new ArrayList<>(rows);
    all.addAll(extra);
    java.util.Collections.shuffle(all, random);
    int perFile = all.size() / 3 + 1;
    for (int f = 0; f < 3; f++) {
      List<String> part = all.subList(f * perFile, Math.min(all.size(), (f + 1) * perFile));
      Files.writeString(directory.resolve("part-" + f + ".csv"),
          "customer,updated,age,income,country,plan,label,note\n" + String.join("\n", part) + "\n");
    }
    return all.size();
  }

  /** Forty random letters: no two notes are alike by chance. */
  private static String note(Random random) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      text.append((char) ('a' + random.nextInt(26)));
    }
    return text.toString();
  }

  private void inject(List<String> lines, String ledgerKey, int count, java.util.function.IntFunction<String> line) {
    for (int i = 0; i < count; i++) {
      lines.add(line.apply(i));
    }
    injected.put(ledgerKey, (long) count);
  }

  private static String line(int customer, String updated, int age, double income, String country, String plan,
      int label) {
    return String.format(Locale.ROOT, "%d,%s,%d,%.2f,%s,%s,%d", customer, updated, age, income, country, plan,
        label);
  }
}

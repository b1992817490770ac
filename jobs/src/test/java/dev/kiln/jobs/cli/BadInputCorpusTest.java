package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.SharedSpark;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Broken configs and broken data through {@code kiln run}: each case ends in exit code 2 with one message naming the
 * problem (the key, the column or the file) and no stack trace, or in a run whose quarantine holds the bad rows with
 * their reason. Nothing is lost silently and nothing fails as a crash. The tally is printed at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCorpusTest {

  private static final String GOOD = """
      pipeline.name = corpus
      source { format = csv, path = "%s", options { header = true, inferSchema = true } }
      features { label = churned, numeric = [tenure, charges], categorical = [plan] }
      model { algorithm = logistic-regression, params { maxIter = 5 } }
      spark.partitions = 2
      """;

  private Path dir;

  private final List<String> tally = new ArrayList<>();

  @BeforeAll
  void writeTheCorpus(@TempDir Path temp) throws IOException {
    dir = temp;
    SparkSession spark = SharedSpark.session();
    Dataset<Row> good = spark.range(400).selectExpr("cast(id % 70 + 1 as int) as tenure",
        "cast(10 + id * 37 % 90 as double) as charges",
        "element_at(array('a', 'b', 'c'), cast(id % 3 + 1 as int)) as plan",
        "cast(id * 7 % 3 = 0 as int) as churned");
    List<String> lines = new ArrayList<>(List.of("tenure,charges,plan,churned"));
    good.collectAsList().forEach(r -> lines.add(r.getInt(0) + "," + r.getDouble(1) + "," + r.getString(2) + ","
        + r.getInt(3)));
    Files.write(dir.resolve("good.csv"), lines);

    List<String> ragged = new ArrayList<>(lines);
    ragged.set(10, ragged.get(10) + ",extra");
    ragged.set(20, "7,33.5");
    Files.write(dir.resolve("ragged.csv"), ragged);

    byte[] bytes = String.join("\n", lines).concat("\n").getBytes(StandardCharsets.UTF_8);
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int at = text.indexOf(",a,", text.indexOf('\n', 300));
    byte[] broken = bytes.clone();
    broken[at + 1] = (byte) 0xff; // not UTF-8
    Files.write(dir.resolve("encoding.csv"), broken);

    List<String> oneClass = new ArrayList<>(List.of(lines.get(0)));
    lines.subList(1, lines.size()).forEach(l -> oneClass.add(l.substring(0, l.lastIndexOf(',') + 1) + "0"));
    Files.write(dir.resolve("one-class.csv"), oneClass);

    List<String> allNull = new ArrayList<>(List.of(lines.get(0)));
    lines.subList(1, lines.size()).forEach(l -> {
      String[] f = l.split(",");
      allNull.add(f[0] + ",," + f[2] + "," + f[3]);
    });
    Files.write(dir.resolve("all-null.csv"), allNull);
    Files.write(dir.resolve("empty.csv"), List.of(lines.get(0)));
    Files.write(dir.resolve("wrong-types.csv"), Stream.concat(Stream.of(lines.get(0)),
        lines.subList(1, lines.size()).stream().map(l -> l.replaceFirst("^\\d+,", "many,"))).toList());

    good.coalesce(2).write().parquet(dir.resolve("truncated").toString());
    try (Stream<Path> files = Files.list(dir.resolve("truncated"))) {
      Path part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
      try (RandomAccessFile file = new RandomAccessFile(part.toFile(), "rw")) {
        file.setLength(file.length() / 2);
      }
      // As a file copied in from elsewhere: no Hadoop checksum beside it to give the truncation away.
      Files.delete(part.resolveSibling("." + part.getFileName() + ".crc"));
    }
    // Day 1's files have charges as a number, day 2's as text: the schema drifted between days.
    good.write().parquet(dir.resolve("drift/day=1").toString());
    good.selectExpr("tenure", "cast(charges as string) as charges", "plan", "churned").write()
        .parquet(dir.resolve("drift/day=2").toString());
  }

  Stream<Arguments> corpus() {
    return Stream.of(
        // Broken configs.
        Arguments.of("a number given as text", "good.csv", "sample.fraction = half", List.of("sample.fraction")),
        Arguments.of("a misspelt key", "good.csv", "evaluation.test-fractoin = 0.3",
            List.of("unknown key", "evaluation.test-fractoin")),
        Arguments.of("HOCON that does not parse", "good.csv", "model { algorithm = gbt", List.of("(syntax)")),
        Arguments.of("a feature the data lacks", "good.csv", "features.numeric = [tenure, charge]",
            List.of("features.numeric", "'charge'")),
        Arguments.of("a CSV read without its header", "good.csv", "source.options.header = false",
            List.of("features.label", "_c0, _c1", "header = true")),
        // Broken data.
        Arguments.of("no source at all", "missing.csv", "", List.of("missing.csv")),
        Arguments.of("a label with one class", "one-class.csv", "", List.of("'churned' has one value")),
        Arguments.of("a column with no value at all", "all-null.csv", "", List.of("'charges' is string")),
        Arguments.of("an empty table", "empty.csv", "", List.of("no rows with a label")),
        Arguments.of("text in a number column", "wrong-types.csv", "", List.of("'tenure' is string")),
        Arguments.of("a truncated Parquet file", "truncated", "source.format = parquet",
            List.of("truncated/part-", ".parquet")),
        Arguments.of("a column whose type drifted between days", "drift", "source.format = parquet",
            List.of("could not be read", "charges")),
        // Bad rows among good ones: quarantined with their reason, the run goes on.
        Arguments.of("ragged CSV rows", "ragged.csv", "", List.of("quarantine:csv_column_count=2")),
        Arguments.of("bytes that are not UTF-8", "encoding.csv", "", List.of("quarantine:invalid_encoding=1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void badInputIsNamedAndNothingIsLost(String what, String data, String change, List<String> expected)
      throws Exception {
    Path conf = dir.resolve(what.replaceAll("\\W+", "-") + ".conf");
    Files.writeString(conf, "warehouse = \"" + dir.resolve("wh-" + conf.getFileName()) + "\"\n"
        + GOOD.formatted(dir.resolve(data)) + change + "\n");
    KilnCli.Outcome outcome = KilnCli.run("run", conf.toString());
    assertFalse(outcome.err().contains("\tat ") || outcome.err().contains("Exception in thread"),
        what + ": a stack trace\n" + outcome);
    boolean quarantine = expected.get(0).startsWith("quarantine:");
    if (quarantine) {
      assertEquals(0, outcome.exitCode(), what + ": " + outcome);
      String[] reason = expected.get(0).substring("quarantine:".length()).split("=");
      Dataset<Row> quarantined = SharedSpark.session().read().format("delta")
          .load(dir.resolve("wh-" + conf.getFileName()).resolve("pipelines/corpus/quarantine").toString());
      assertEquals(Long.parseLong(reason[1]), quarantined.filter("reason = '" + reason[0] + "'").count(),
          what + ": " + quarantined.collectAsList());
      assertTrue(outcome.err().contains(reason[1] + " " + reason[0]), "the run reports it: " + outcome.err());
      tally.add(String.format(Locale.ROOT, "%-44s exit 0, %s row(s) quarantined as %s", what, reason[1], reason[0]));
    } else {
      assertEquals(2, outcome.exitCode(), what + ": " + outcome);
      for (String part : expected) {
        assertTrue(outcome.err().contains(part), what + ": the message does not say " + part + ":\n" + outcome.err());
      }
      tally.add(String.format(Locale.ROOT, "%-44s exit 2: %s", what, outcome.err().strip().lines().findFirst()
          .orElse("")));
    }
  }

  @AfterAll
  void printTheTally() {
    System.out.println("bad-input corpus, " + tally.size() + " cases:");
    tally.forEach(line -> System.out.println("  " + line));
  }
}

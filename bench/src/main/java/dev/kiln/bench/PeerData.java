package dev.kiln.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.kiln.feature.DateParts;
import dev.kiln.train.Split;
import dev.kiln.train.StratifiedSplit;
import dev.kiln.train.TimeSplit;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The peer comparison's tables: flights-3m (vega-datasets, 3,000,000 US flights of 2001) at a given number of rows,
 * engineered once per size into the cache, split once, and written twice — Parquet for Kiln, CSV for scikit-learn —
 * so both tools fit on the same training rows and are measured on the same held-out rows.
 *
 * <ul>
 *   <li>Size: below the table's 3,000,000 rows, a seeded hash subset of exactly {@code N} rows; at it, every row;
 *       above it, the table replicated ({@code ceil(N / 3,000,000)} copies: a cross join with a copy index), then a
 *       seeded hash subset of exactly {@code N} (the copy index is hashed, so copies are told apart). A copy keeps
 *       its row's date, so a time split still holds out the future. The subset is Kiln's exact hash selection
 *       ({@link StratifiedSplit} over one class: the {@code N} rows with the smallest seeded hash, no global
 *       sort).</li>
 *   <li>Columns: {@code hour}, {@code weekday}, {@code month} of {@code date} (Kiln's {@link DateParts}: the
 *       timestamp as it is, Monday = 1), {@code distance}, {@code origin}, {@code destination}, {@code delayed}
 *       ({@code delay > 15} as 0/1) and {@code delay} (minutes).</li>
 *   <li>Split: Kiln's {@link TimeSplit} on {@code date}: the latest {@value #TEST_FRACTION} of rows (and any at the
 *       cutoff time) are held out. {@code date} is then dropped.</li>
 * </ul>
 * A size's directory ({@code <cache>/<N>/}) is reused when its marker file says it was made, completely, from the
 * same source, seed and split; otherwise it is made again.
 */
final class PeerData {

  static final String DELAYED = "delayed";
  static final String DELAY = "delay";
  static final String TIME = "date";
  static final double TEST_FRACTION = 0.2;
  /** The columns of the written rows, in their order (the CSV header). */
  static final List<String> COLUMNS = List.of("hour", "weekday", "month", "distance", "origin", "destination",
      DELAYED, DELAY);

  private static final String MARKER = ".complete";
  private static final String SUBSET = "__subset";
  private static final String COPY = "__copy";

  /**
   * One size's rows as both tools read them.
   *
   * @param size the size asked for, N
   * @param rows the rows of the table (N, or a few more if exact duplicates straddle the subset's cutoff)
   * @param split what the time split decided
   */
  record Table(long size, long rows, long trainRows, long testRows, Path trainParquet, Path testParquet, Path trainCsv,
      Path testCsv, String split) {}

  private PeerData() {}

  /** The table of {@code size} rows made from {@code flights}, from the cache or made now. */
  static Table table(SparkSession spark, Progress progress, Path flights, Path cache, long size, long seed) {
    Path dir = cache.toAbsolutePath().normalize().resolve(String.valueOf(size));
    String made = String.format(Locale.ROOT, "%s, %d rows, hash seed %d, time split on %s, test fraction %s",
        flights.toAbsolutePath().normalize(), size, seed, TIME, TEST_FRACTION);
    Optional<Table> cached = cached(dir, made, size);
    if (cached.isPresent()) {
      progress.say("%,d rows: using the cached train/test rows in %s", size, dir);
      return cached.get();
    }
    progress.say("%,d rows: engineering and splitting flights-3m into %s (once)...", size, dir);
    long start = System.nanoTime();
    try {
      BenchData.deleteRecursively(dir);
      Files.createDirectories(dir);
      Path all = dir.resolve("all.parquet");
      sized(engineered(spark.read().parquet(uri(flights))), size, seed).write().parquet(uri(all));
      Dataset<Row> rows = spark.read().parquet(uri(all));
      Split split = new TimeSplit(TIME, Optional.empty(), TEST_FRACTION);
      Path trainParquet = dir.resolve("train.parquet");
      Path testParquet = dir.resolve("test.parquet");
      split.train(rows).select(columns()).write().parquet(uri(trainParquet));
      split.test(rows).select(columns()).write().parquet(uri(testParquet));
      Path trainCsv = csv(spark, trainParquet, dir.resolve("train.csv"));
      Path testCsv = csv(spark, testParquet, dir.resolve("test.csv"));
      BenchData.deleteRecursively(all);
      long train = count(spark, trainParquet);
      long test = count(spark, testParquet);
      Table table = new Table(size, train + test, train, test, trainParquet, testParquet, trainCsv, testCsv,
          split.describe());
      Properties marker = new Properties();
      marker.setProperty("made", made);
      marker.setProperty("rows", String.valueOf(table.rows()));
      marker.setProperty("train", String.valueOf(table.trainRows()));
      marker.setProperty("test", String.valueOf(table.testRows()));
      marker.setProperty("split", table.split());
      try (Writer out = Files.newBufferedWriter(dir.resolve(MARKER))) {
        marker.store(out, "written by dev.kiln.bench.PeerComparisonBenchmark after the last file");
      }
      progress.say("%,d rows: made in %.0f s (train %,d / test %,d rows; %s; %s on disk)", size,
          (System.nanoTime() - start) / 1e9, table.trainRows(), table.testRows(), table.split(),
          ResultsTable.format(BenchData.sizeOf(dir), Comparison.Unit.BYTES));
      return table;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir, e);
    }
  }

  /** flights-3m with the engineered columns, and {@code date} for the split. */
  static Dataset<Row> engineered(Dataset<Row> flights) {
    DateParts parts = new DateParts().setInputCol(TIME).setParts(DateParts.HOUR, DateParts.WEEKDAY, DateParts.MONTH);
    String[] out = parts.getOutputCols();
    return parts.transform(flights).select(col(TIME), col(out[0]).cast("int").as("hour"),
        col(out[1]).cast("int").as("weekday"), col(out[2]).cast("int").as("month"), col("distance"), col("origin"),
        col("destination"), col(DELAY).gt(15).cast("int").as(DELAYED), col(DELAY));
  }

  /** Exactly {@code size} rows of {@code rows} (see the class comment), copies included when it has fewer. */
  static Dataset<Row> sized(Dataset<Row> rows, long size, long seed) {
    long have = rows.count();
    long copies = (size + have - 1) / have;
    Dataset<Row> replicated = copies == 1 ? rows.withColumn(COPY, lit(0L))
        : rows.crossJoin(rows.sparkSession().range(copies).toDF(COPY));
    if (size == copies * have) {
      return replicated.drop(COPY);
    }
    Dataset<Row> labelled = replicated.withColumn(SUBSET, lit(0));
    // Of the single class, the round(fraction × n) = size rows with the smallest seeded hash of all their values.
    Split subset = new StratifiedSplit((double) size / (copies * have), SUBSET, List.of(), seed);
    return subset.test(labelled).drop(SUBSET, COPY);
  }

  private static Column[] columns() {
    return COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new);
  }

  /** One CSV file with a header, written by Spark in one task and moved into place. */
  private static Path csv(SparkSession spark, Path parquet, Path file) throws IOException {
    Path parts = file.resolveSibling(file.getFileName() + ".parts");
    spark.read().parquet(uri(parquet)).coalesce(1).write().option("header", "true").csv(uri(parts));
    try (Stream<Path> files = Files.list(parts)) {
      Path part = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst()
          .orElseThrow(() -> new IOException("Spark wrote no CSV part into " + parts));
      Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
    }
    BenchData.deleteRecursively(parts);
    return file;
  }

  private static long count(SparkSession spark, Path parquet) {
    return spark.read().parquet(uri(parquet)).count();
  }

  private static Optional<Table> cached(Path dir, String made, long size) {
    Path marker = dir.resolve(MARKER);
    if (!Files.isRegularFile(marker)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(marker)) {
      p.load(in);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (!made.equals(p.getProperty("made"))) {
      return Optional.empty();
    }
    return Optional.of(new Table(size, Long.parseLong(p.getProperty("rows")), Long.parseLong(p.getProperty("train")),
        Long.parseLong(p.getProperty("test")), dir.resolve("train.parquet"), dir.resolve("test.parquet"),
        dir.resolve("train.csv"), dir.resolve("test.csv"), p.getProperty("split")));
  }

  static String uri(Path path) {
    return "file:" + path.toAbsolutePath().normalize();
  }
}

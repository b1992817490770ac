package dev.kiln.profile;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.kiln.profile.Profile.CorrelationMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Spearman's rank correlation matrix: each column's values ranked (ties get their average rank, as Spark ML's
 * {@code Correlation.corr(..., "spearman")} ranks them), then Pearson's correlation of the ranks by the first pass's
 * {@link PairwiseMoments}. Ranking needs one set of rows for all columns, so the rows used are those where every
 * column is finite.
 *
 * <p>The ranks are computed once: the values are stacked into (row, column, value) cells, each column's cells are
 * brought into one task and sorted there, and the ranks are gathered back into rows, cached, and aggregated once.
 * (Spark ML's Spearman recomputed its ranks for each of the three jobs that read them.) A task holds all of a
 * column's values while it ranks them: about 50 bytes a value.
 *
 * <p>Ranking sorts every value of every column: its cost grows faster than the rest of the profile's (see
 * bench/README.md, clean + profile). Above a number of rows the ranks are therefore those of a seeded Bernoulli
 * sample of the rows; the sampling error of Spearman's coefficient on a million rows is about 0.001.
 */
final class RankCorrelation {

  /** The seed of the rank sample: a profile of the same rows is the same profile. */
  static final long SEED = 42;

  private RankCorrelation() {}

  /** The share of a table of {@code rows} rows to rank so that about {@code rankedRows} are: 1 for small tables. */
  static double fraction(long rows, long rankedRows) {
    return rows <= rankedRows ? 1.0 : (double) rankedRows / rows;
  }

  /**
   * @param finite each column as a double, null where it is missing or not finite
   * @param fraction the share of the rows to rank (a seeded Bernoulli sample), 1 for all
   */
  static CorrelationMatrix spearman(Dataset<Row> rows, List<String> names, List<Column> finite, double fraction) {
    int k = names.size();
    if (k < 2) {
      return CorrelationMatrix.empty("spearman");
    }
    Column complete = finite.stream().map(Column::isNotNull).reduce(lit(true), Column::and);
    Dataset<Row> sampled = fraction < 1 ? rows.sample(false, fraction, SEED) : rows;
    Column[] cells = IntStream.range(0, k).mapToObj(j -> struct(lit(j).as("j"), finite.get(j).as("v")))
        .toArray(Column[]::new);
    // The row id is taken before stacking: beside explode, it would number the cells instead.
    Dataset<Row> stacked = sampled.where(complete).withColumn("__kiln_row", monotonically_increasing_id())
        .select(col("__kiln_row").as("row"), explode(array(cells)).as("c"))
        .select(col("row"), col("c.j").as("j"), col("c.v").as("v"));
    Dataset<Row> ranked = stacked.repartition(k, col("j"))
        .mapPartitions(new ColumnRanks(), Encoders.row(ColumnRanks.OUTPUT));
    Column[] byColumn = IntStream.range(0, k).mapToObj(j -> max(when(col("j").equalTo(j), col("rank"))).as("r" + j))
        .toArray(Column[]::new);
    Dataset<Row> rankRows = ranked.groupBy("row").agg(byColumn[0], Arrays.copyOfRange(byColumn, 1, k))
        .drop("row").persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Analyzers.PearsonPairs pairs = new Analyzers.PearsonPairs(
          IntStream.range(0, k).mapToObj(j -> col("r" + j)).toList());
      Analyzers.PearsonPairs.Result result = pairs.result(rankRows.agg(pairs.aggregations().get(0)).head(), 0);
      // Every pair is over every ranked row: the pairs' row count is the rows'.
      long n = result.rows(0, 1);
      List<Double> values = new ArrayList<>(Collections.nCopies(k * k, Double.NaN));
      if (n >= 2) {
        for (int i = 0; i < k; i++) {
          for (int j = 0; j < k; j++) {
            values.set(i * k + j, result.value(i, j));
          }
        }
      }
      return new CorrelationMatrix("spearman", names, values, Optional.of(n));
    } finally {
      rankRows.unpersist();
    }
  }

  /**
   * Ranks the cells of a partition column by column: input {@code (row, j, v)}, output {@code (row, j, rank)} with
   * ranks from 1 and ties (values equal as doubles, so -0.0 ties with 0.0) given their average rank. A column's
   * cells must all be in one partition.
   */
  static final class ColumnRanks implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    static final StructType OUTPUT = new StructType()
        .add("row", DataTypes.LongType, false)
        .add("j", DataTypes.IntegerType, false)
        .add("rank", DataTypes.DoubleType, false);

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
      // Per column: the values and their rows, grown as needed.
      List<double[]> values = new ArrayList<>();
      List<long[]> rowIds = new ArrayList<>();
      List<Integer> sizes = new ArrayList<>();
      while (input.hasNext()) {
        Row cell = input.next();
        int j = cell.getInt(1);
        while (values.size() <= j) {
          values.add(new double[16]);
          rowIds.add(new long[16]);
          sizes.add(0);
        }
        int size = sizes.get(j);
        if (size == values.get(j).length) {
          values.set(j, Arrays.copyOf(values.get(j), 2 * size));
          rowIds.set(j, Arrays.copyOf(rowIds.get(j), 2 * size));
        }
        values.get(j)[size] = cell.getDouble(2);
        rowIds.get(j)[size] = cell.getLong(0);
        sizes.set(j, size + 1);
      }
      // One column's ranks at a time, emitted as they are read.
      return IntStream.range(0, values.size()).boxed()
          .flatMap(j -> ranks(j, values.get(j), rowIds.get(j), sizes.get(j))).iterator();
    }

    private static Stream<Row> ranks(int column, double[] values, long[] rowIds, int size) {
      Integer[] order = new Integer[size];
      for (int i = 0; i < size; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
      // Position i's rank: the mean of the ranks (from 1) of the run of equal values it is in.
      double[] rank = new double[size];
      int start = 0;
      while (start < size) {
        int end = start + 1;
        while (end < size && values[order[end]] == values[order[start]]) {
          end++;
        }
        Arrays.fill(rank, start, end, (start + 1 + end) / 2.0);
        start = end;
      }
      return IntStream.range(0, size).mapToObj(i -> RowFactory.create(rowIds[order[i]], column, rank[i]));
    }
  }
}

package dev.kiln.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * A sample per value (stratum) of one column, each stratum by its own fraction or its own exact row count. A stratum
 * is the column's value as a string ({@code "gold"}, {@code "1"}, {@code "true"}); the key {@value #OTHERS} covers
 * strata not listed, null included. Strata covered by neither are left out.
 *
 * <p>Counts are exact: the rows of a stratum with the smallest seeded hash, so the same seed gives the same rows.
 * A stratum with fewer rows than its count gives all it has (the caller reports the shortfall).
 */
public final class StratifiedSampler implements Sampler {

  /** The key for every stratum not listed. */
  public static final String OTHERS = "*";

  private final String column;
  private final Map<String, Double> fractions;
  private final Map<String, Long> counts;
  private final long seed;

  private StratifiedSampler(String column, Map<String, Double> fractions, Map<String, Long> counts, long seed) {
    this.column = column;
    this.fractions = new TreeMap<>(fractions);
    this.counts = new TreeMap<>(counts);
    this.seed = seed;
  }

  /** Each row of stratum s with probability {@code fractions[s]}. */
  public static StratifiedSampler byFraction(String column, Map<String, Double> fractions, long seed) {
    return new StratifiedSampler(column, fractions, Map.of(), seed);
  }

  /** Exactly {@code counts[s]} rows of stratum s (or all it has). */
  public static StratifiedSampler byCount(String column, Map<String, Long> counts, long seed) {
    return new StratifiedSampler(column, Map.of(), counts, seed);
  }

  /** The stratum key of each row: the column as a string. */
  public Column stratum() {
    return col("`" + column + "`").cast("string");
  }

  @Override
  public Dataset<Row> sample(Dataset<Row> rows) {
    Column u = BernoulliSampler.uniform(rows, seed);
    if (counts.isEmpty()) {
      return rows.filter(u.lt(perStratum(fractions, 0.0)));
    }
    String rank = "__kiln_rank";
    String number = "__kiln_row_number";
    Dataset<Row> ranked = rows.withColumn(rank, u);
    return ranked
        .filter(perStratum(counts, 0L).gt(0))
        .withColumn(number, row_number().over(Window.partitionBy(stratum()).orderBy(col(rank))))
        .filter(col(number).leq(perStratum(counts, 0L)))
        .drop(rank, number);
  }

  /** A column holding the stratum's value from {@code values}, {@link #OTHERS} for unlisted ones, else the default. */
  private <V> Column perStratum(Map<String, V> values, V none) {
    Column value = lit(values.getOrDefault(OTHERS, none));
    Column key = stratum();
    for (Map.Entry<String, V> entry : values.entrySet()) {
      if (!entry.getKey().equals(OTHERS)) {
        value = when(key.equalTo(lit(entry.getKey())), lit(entry.getValue())).otherwise(value);
      }
    }
    return value;
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "stratified by %s %s=%s seed=%d", column,
        counts.isEmpty() ? "fractions" : "counts", counts.isEmpty() ? fractions : counts, seed);
  }
}

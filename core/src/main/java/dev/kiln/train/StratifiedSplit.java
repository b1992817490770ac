package dev.kiln.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.shiftRightUnsigned;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.kiln.errors.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * {@code evaluation.split = stratified}: every class of the label keeps its share of the test set. Of a class with
 * {@code n} rows, the {@code round(testFraction × n)} rows with the smallest seeded hash (the random split's hash, a
 * second hash breaking its ties) are held out — an exact count, the same on any partitioning (Spark's
 * {@code randomSplit} and {@code sampleBy} are neither). Identical rows have identical hashes and stay on one side,
 * as in the random split, so a class whose duplicates straddle its cutoff holds out those copies too.
 *
 * <p>With {@code by} (the split-by keys), whole keys are held out: keys are ranked by the hash of their key values
 * within their class, and a class takes keys until its held-out rows reach {@code round(testFraction × n)} (never
 * fewer, at most one key's rows more). A key's class is its label, so every key's rows must share one label (a
 * customer-level label); a key with rows of several classes is refused.
 *
 * <p>Two small jobs decide the rule, neither a global sort: rows are counted per class and per one of 4,096 hash
 * buckets, which finds each class's boundary bucket; then only the boundary buckets' rows are ranked, which gives
 * each class's hash threshold. The rule itself compares a row's hash with its class's threshold.
 */
public final class StratifiedSplit extends DecidedSplit {

  private static final int BUCKET_BITS = 12;

  private final double testFraction;
  private final String label;
  private final List<String> by;
  private final long seed;
  private volatile String decided = "";

  public StratifiedSplit(double testFraction, String label, List<String> by, long seed) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("test fraction must be in (0, 1), not " + testFraction);
    }
    this.testFraction = testFraction;
    this.label = label;
    this.by = List.copyOf(by);
    this.seed = seed;
  }

  @Override
  Column decide(Dataset<Row> rows) {
    Column labelValue = col("`" + label + "`");
    Dataset<Row> units;
    if (by.isEmpty()) {
      units = rows.select(labelValue.as("c"), seededHash(rows, by, seed).as("h"),
          tieBreakHash(rows, by, seed).as("h2"), lit(1L).as("w"), lit(0L).as("mixed"));
    } else {
      Column[] keys = by.stream().map(k -> col("`" + k + "`")).toArray(Column[]::new);
      units = rows.groupBy(keys).agg(min(labelValue).as("c"), max(labelValue).as("c_max"), count(lit(1)).as("w"))
          .select(col("c"), seededHash(rows, by, seed).as("h"), tieBreakHash(rows, by, seed).as("h2"), col("w"),
              when(col("c").equalTo(col("c_max")), 0L).otherwise(1L).as("mixed"));
    }
    units = units.withColumn("b", shiftRightUnsigned(col("h"), 64 - BUCKET_BITS));

    // Job 1: rows per class and bucket; the boundary bucket is the first whose running total reaches the target.
    WindowSpec byClass = Window.partitionBy("c");
    WindowSpec upToBucket = byClass.orderBy("b").rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    List<Row> boundaries = units.groupBy("c", "b").agg(sum("w").as("w"), sum("mixed").as("mixed"))
        .withColumn("upto", sum("w").over(upToBucket))
        .withColumn("n", sum("w").over(byClass))
        .withColumn("mixed", sum("mixed").over(byClass))
        .withColumn("target", round(col("n").multiply(testFraction)).cast("long"))
        .filter(col("upto").geq(col("target")))
        .groupBy("c").agg(min(struct(col("b"), col("upto").minus(col("w")).as("before"))).as("first"),
            first("n").as("n"), first("target").as("target"), first("mixed").as("mixed"))
        .select(col("c"), col("first.b"), col("first.before"), col("n"), col("target"), col("mixed"))
        .orderBy("c").collectAsList();
    if (boundaries.isEmpty()) {
      decided = "; no rows";
      return lit(false);
    }
    long mixed = boundaries.stream().mapToLong(r -> r.getLong(5)).sum();
    if (mixed > 0) {
      throw new InvalidInputException(String.format(Locale.ROOT, "evaluation.split = stratified with split-by [%s]: "
          + "%,d keys have rows of more than one class of '%s'; stratifying whole keys needs one label per key "
          + "(use split = random to keep keys together, or stratify without split-by)", String.join(", ", by),
          mixed, label));
    }

    // Job 2: within each class's boundary bucket, the unit at which the running total reaches what is still needed.
    List<Column> boundaryOf = new ArrayList<>();
    List<Column> neededOf = new ArrayList<>();
    for (Row r : boundaries) {
      boundaryOf.add(lit(r.get(0)));
      boundaryOf.add(lit(r.getLong(1)));
      neededOf.add(lit(r.get(0)));
      neededOf.add(lit(r.getLong(4) - r.getLong(2)));
    }
    Column boundary = element_at(map(boundaryOf.toArray(Column[]::new)), col("c"));
    Column needed = element_at(map(neededOf.toArray(Column[]::new)), col("c"));
    WindowSpec upToUnit = byClass.orderBy("h", "h2").rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    List<Row> thresholds = units.filter(col("b").equalTo(boundary).and(needed.gt(0)))
        .withColumn("upto", sum("w").over(upToUnit))
        .filter(col("upto").geq(needed))
        .groupBy("c").agg(min(struct(col("h"), col("h2"))).as("t"))
        .select(col("c"), col("t.h"), col("t.h2")).collectAsList();

    // The rule: below the class's boundary bucket, or in it at or below the threshold.
    Map<Object, Row> thresholdOf = new LinkedHashMap<>();
    thresholds.forEach(t -> thresholdOf.put(t.get(0), t));
    List<Column> byThreshold = new ArrayList<>();
    for (Row t : thresholds) {
      byThreshold.add(lit(t.get(0)));
      byThreshold.add(struct(lit(t.getLong(1)).as("h"), lit(t.getInt(2)).as("h2")));
    }
    Column c = col("`" + label + "`");
    Column h = seededHash(rows, by, seed);
    Column h2 = tieBreakHash(rows, by, seed);
    Column rowBoundary = element_at(map(boundaryOf.toArray(Column[]::new)), c);
    Column bucket = shiftRightUnsigned(h, 64 - BUCKET_BITS);
    Column rule = bucket.lt(rowBoundary);
    if (!thresholds.isEmpty()) {
      Column threshold = element_at(map(byThreshold.toArray(Column[]::new)), c);
      rule = rule.or(bucket.equalTo(rowBoundary).and(h.lt(threshold.getField("h"))
          .or(h.equalTo(threshold.getField("h")).and(h2.leq(threshold.getField("h2"))))));
    }

    StringBuilder counts = new StringBuilder();
    for (int i = 0; i < boundaries.size(); i++) {
      Row r = boundaries.get(i);
      if (i == 12) {
        counts.append(", ... (").append(boundaries.size()).append(" classes)");
        break;
      }
      counts.append(i == 0 ? "" : ", ").append(className(r.get(0))).append(' ').append(r.getLong(4)).append('/')
          .append(r.getLong(3));
    }
    decided = "; held out per class: " + counts;
    return rule;
  }

  private static String className(Object value) {
    return value instanceof Double d && d == Math.rint(d) ? String.valueOf(d.longValue()) : String.valueOf(value);
  }

  @Override
  public String describe() {
    return "stratified by " + label + (by.isEmpty() ? ", hash of all columns" : ", whole keys by hash of "
        + String.join(", ", by)) + ", seed " + seed + ", test fraction " + testFraction + decided;
  }
}

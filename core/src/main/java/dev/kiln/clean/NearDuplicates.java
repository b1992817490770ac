package dev.kiln.clean;

import static dev.kiln.clean.StageColumns.quoted;
import static org.apache.spark.sql.functions.array_intersect;
import static org.apache.spark.sql.functions.array_union;
import static org.apache.spark.sql.functions.char_length;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.Arrays;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

/**
 * Removes near-duplicate rows, judged by one text column, before the data is split, so that two records that differ
 * by a typo cannot sit on both sides of a split. Like {@link Deduplicator}, a row-set operation that runs once on the
 * data and is not saved with the model.
 *
 * <p><b>Alike</b>: two texts are alike when the Jaccard similarity of their shingle sets is at least
 * {@code threshold}. A text's shingles are its runs of {@code shingleSize} consecutive characters (default 3) once it
 * is normalised as {@link ValueCanonicalizer} does by default (NFKC, lower case, white space collapsed and trimmed);
 * a shorter text is one shingle.
 *
 * <p><b>Which rows go</b>: rows are ordered by an id, the xxhash64 of all their columns, ties broken by the columns'
 * values, an order that does not depend on partitioning. A row is removed iff a row with a smaller id has a text
 * alike (and is found, see below); a removed row still removes the rows after it. So of each group of alike texts
 * the row with the smallest id stays, and in a chain A ~ B ~ C (ids in that order) where A and C are not alike, both
 * B and C go. Rows equal in every column are alike, so one of them stays, unless their text is null or empty: rows
 * whose text is null, or empty once normalised, are never compared and always kept. At {@code threshold} 1.0 only
 * rows with equal shingle sets go: equal normalised texts (and rare look-alikes such as "aaaa" and "aaaaa").
 *
 * <p><b>Approximate</b>: the pairs compared come from MinHash locality-sensitive hashing (MLlib's {@code MinHashLSH},
 * {@code numHashTables} tables, default 5, each drawn from {@code seed}). It may miss a pair that is alike (two texts
 * of similarity s meet with probability 1 - (1 - s)^numHashTables; texts with equal shingle sets always meet), but
 * the exact Jaccard similarity of every pair it finds is checked, so no row is removed for a text less similar than
 * the threshold. For a given seed the outcome is the same every run, however the rows are partitioned.
 *
 * <p><b>Cost</b>: the rows are read twice (for the texts and for the result): cache them first if that is costly.
 */
public final class NearDuplicates {

  public static final String STAGE = "NearDuplicates";
  public static final int DEFAULT_SHINGLE_SIZE = 3;
  public static final int DEFAULT_HASH_TABLES = 5;
  public static final long DEFAULT_SEED = 0L;

  // Working columns (prefixed so as not to meet a data column).
  private static final String HASH = "__kiln_hash";
  private static final String RANK = "__kiln_rank";
  private static final String TEXT = "__kiln_text";
  private static final String SHINGLES = "__kiln_shingles";
  private static final String VECTOR = "__kiln_vector";
  private static final String BUCKETS = "__kiln_buckets";
  private static final String DISTANCE = "__kiln_distance";
  private static final String GONE_HASH = "__kiln_gone_hash";
  private static final String GONE_RANK = "__kiln_gone_rank";
  /** Shingles hashed into this many features: collisions are rare, and the exact check corrects their effect. */
  private static final int FEATURES = 1 << 20;

  private final String textColumn;
  private final double threshold;
  private final int shingleSize;
  private final int numHashTables;
  private final long seed;

  /**
   * @param threshold the smallest Jaccard similarity of two texts' shingle sets at which they are alike, in (0, 1]
   * @param shingleSize characters in a shingle, at least 1
   * @param numHashTables MinHash tables, at least 1: more find more of the pairs that are alike, at more cost
   */
  public NearDuplicates(String textColumn, double threshold, int shingleSize, int numHashTables, long seed) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException(STAGE + ": the threshold must be in (0, 1], not " + threshold);
    }
    if (shingleSize < 1 || numHashTables < 1) {
      throw new IllegalArgumentException(STAGE + ": the shingle size and the number of hash tables must be at least "
          + "1, not " + shingleSize + " and " + numHashTables);
    }
    this.textColumn = textColumn;
    this.threshold = threshold;
    this.shingleSize = shingleSize;
    this.numHashTables = numHashTables;
    this.seed = seed;
  }

  /** With 3-character shingles, 5 hash tables and seed 0. */
  public NearDuplicates(String textColumn, double threshold) {
    this(textColumn, threshold, DEFAULT_SHINGLE_SIZE, DEFAULT_HASH_TABLES, DEFAULT_SEED);
  }

  /** {@code rows} without the near duplicates the class comment describes; the same schema, in no set order. */
  public Dataset<Row> dropNearDuplicates(Dataset<Row> rows) {
    StructField text = StageColumns.field(STAGE, rows.schema(), textColumn);
    if (!(text.dataType() instanceof StringType)) {
      throw StageColumns.wrongType(STAGE, text, "type string");
    }
    Column[] all = Arrays.stream(rows.columns()).map(StageColumns::quoted).toArray(Column[]::new);
    // The id (hash, rank): rows whose hashes collide are ranked by their values, within the hash only, so no single
    // partition ranks every row. Rows equal in every column get ranks in any order, but they are interchangeable.
    Dataset<Row> withId = rows
        .withColumn(HASH, xxhash64(all))
        .withColumn(RANK, row_number().over(Window.partitionBy(col(HASH)).orderBy(all)));

    Dataset<Row> texts = withId
        .select(col(HASH), col(RANK), TextNormalization.DEFAULT.apply(quoted(textColumn), text.nullable()).as(TEXT))
        .where(col(TEXT).isNotNull().and(char_length(col(TEXT)).gt(0)))
        .select(col(HASH), col(RANK), shingles().as(SHINGLES));
    // MinHashLSH needs a non-empty vector: every text left has at least one shingle.
    Dataset<Row> vectors = new HashingTF().setInputCol(SHINGLES).setOutputCol(VECTOR).setBinary(true)
        .setNumFeatures(FEATURES).transform(texts);
    // Fitting only draws the hash functions (the vector size is in HashingTF's column metadata): no pass over data.
    MinHashLSHModel lsh = new MinHashLSH().setInputCol(VECTOR).setOutputCol(BUCKETS)
        .setNumHashTables(numHashTables).setSeed(seed).fit(vectors);

    Column idA = struct(col("datasetA." + HASH), col("datasetA." + RANK));
    Column idB = struct(col("datasetB." + HASH), col("datasetB." + RANK));
    Column sharedShingles = size(array_intersect(col("datasetA." + SHINGLES), col("datasetB." + SHINGLES)));
    Column allShingles = size(array_union(col("datasetA." + SHINGLES), col("datasetB." + SHINGLES)));
    // The join keeps distances strictly below its threshold: the next double up keeps distance 1 - threshold too
    // (at threshold 1, equal sets). Its distance is that of the hashed shingles; the exact similarity decides.
    Dataset<Row> gone = lsh.approxSimilarityJoin(vectors, vectors, Math.nextUp(1 - threshold), DISTANCE)
        .where(idA.lt(idB).and(sharedShingles.divide(allShingles).geq(threshold)))
        .select(col("datasetB." + HASH).as(GONE_HASH), col("datasetB." + RANK).as(GONE_RANK))
        .distinct();
    return withId
        .join(gone, col(HASH).equalTo(col(GONE_HASH)).and(col(RANK).equalTo(col(GONE_RANK))), "left_anti")
        .drop(HASH, RANK);
  }

  /** For a run summary: what counts as a near duplicate. */
  public String describe() {
    return "near duplicates of " + textColumn + ": Jaccard similarity >= " + threshold + " of " + shingleSize
        + "-character shingles (" + numHashTables + " MinHash tables, seed " + seed + ")";
  }

  /** The text's runs of shingleSize characters, or the whole text when it is shorter. */
  private Column shingles() {
    int k = shingleSize;
    return expr("transform(sequence(1, greatest(char_length(" + TEXT + ") - " + (k - 1) + ", 1)), "
        + "i -> substring(" + TEXT + ", i, " + k + "))");
  }
}

package dev.kiln.profile;

import static org.apache.spark.sql.functions.col;

import dev.kiln.profile.Profile.Association;
import dev.kiln.profile.Profile.Bin;
import dev.kiln.profile.Profile.ColumnProfile;
import dev.kiln.profile.Profile.CorrelationMatrix;
import dev.kiln.profile.Profile.LengthRange;
import dev.kiln.profile.Profile.NumericSummary;
import dev.kiln.profile.Profile.Quantile;
import dev.kiln.profile.Profile.ValueCount;
import dev.kiln.profile.Profile.ValueRange;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Profiles kept as a Delta table: one row per column per run, each row carrying its run's id, time and source. Every
 * run is one append (a blind append, which never conflicts with another writer), so the table is the history of a
 * table's profiles and no run ever rewrites an earlier one. See {@link #SCHEMA} for the columns.
 */
public final class ProfileStore {

  private static final DataType QUANTILES = DataTypes.createArrayType(new StructType()
      .add("probability", DataTypes.DoubleType, false).add("value", DataTypes.DoubleType, false), false);
  private static final DataType HISTOGRAM = DataTypes.createArrayType(new StructType()
      .add("low", DataTypes.DoubleType, false).add("high", DataTypes.DoubleType, false)
      .add("count", DataTypes.LongType, false), false);
  private static final DataType TOP_VALUES = DataTypes.createArrayType(new StructType()
      .add("value", DataTypes.StringType, false).add("count", DataTypes.LongType, false), false);
  /** A column's row of a correlation matrix: the other column's name to the correlation, null where undefined. */
  private static final DataType CORRELATIONS = DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType,
      true);

  /**
   * The table's columns. Run: {@code run_id}, {@code profiled_at}, {@code source}, {@code label} (null without one),
   * {@code table_rows}. Column: {@code position} (0-based), {@code column}, {@code data_type}, {@code kind}
   * ({@link ColumnKind}), {@code count}, {@code nulls}, {@code non_finite}, {@code approx_distinct}; numeric:
   * {@code min}, {@code max}, {@code mean}, {@code stddev}, {@code quantiles}, {@code histogram}; temporal:
   * {@code min_value}, {@code max_value}; strings: {@code min_length}, {@code max_length}; categorical:
   * {@code top_values}, {@code other_values}. Correlations: {@code pearson} and {@code spearman}, this column's row
   * of each matrix (null for columns outside it), {@code spearman_rows}. Label: {@code association_method},
   * {@code association}, {@code association_rows}.
   */
  public static final StructType SCHEMA = new StructType()
      .add("run_id", DataTypes.StringType, false)
      .add("profiled_at", DataTypes.TimestampType, false)
      .add("source", DataTypes.StringType, false)
      .add("label", DataTypes.StringType, true)
      .add("table_rows", DataTypes.LongType, false)
      .add("position", DataTypes.IntegerType, false)
      .add("column", DataTypes.StringType, false)
      .add("data_type", DataTypes.StringType, false)
      .add("kind", DataTypes.StringType, false)
      .add("count", DataTypes.LongType, false)
      .add("nulls", DataTypes.LongType, false)
      .add("non_finite", DataTypes.LongType, false)
      .add("approx_distinct", DataTypes.LongType, false)
      .add("min", DataTypes.DoubleType, true)
      .add("max", DataTypes.DoubleType, true)
      .add("mean", DataTypes.DoubleType, true)
      .add("stddev", DataTypes.DoubleType, true)
      .add("quantiles", QUANTILES, true)
      .add("min_value", DataTypes.StringType, true)
      .add("max_value", DataTypes.StringType, true)
      .add("min_length", DataTypes.IntegerType, true)
      .add("max_length", DataTypes.IntegerType, true)
      .add("histogram", HISTOGRAM, true)
      .add("top_values", TOP_VALUES, true)
      .add("other_values", DataTypes.LongType, true)
      .add("pearson", CORRELATIONS, true)
      .add("spearman", CORRELATIONS, true)
      .add("spearman_rows", DataTypes.LongType, true)
      .add("association_method", DataTypes.StringType, true)
      .add("association", DataTypes.DoubleType, true)
      .add("association_rows", DataTypes.LongType, true);

  private final SparkSession spark;
  private final String path;

  /** @param path the table's location, any Hadoop path; created by the first append */
  public ProfileStore(SparkSession spark, String path) {
    this.spark = spark;
    this.path = path;
  }

  public String path() {
    return path;
  }

  /** Appends {@code profile} as {@code run}: one Delta commit holding one row per column. */
  public void append(ProfileRun run, Profile profile) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < profile.columns().size(); i++) {
      rows.add(row(run, profile, i));
    }
    // One file per run: the rows are few, and many tiny files would make reading the history slow.
    spark.createDataFrame(rows, SCHEMA).coalesce(1).write().format("delta").mode("append")
        .option("userMetadata", "{\"profile_run\": \"" + run.id() + "\"}").save(path);
  }

  /** The runs in the table, oldest first; none when there is no table yet. */
  public List<ProfileRun> runs() {
    if (!DeltaTable.isDeltaTable(spark, path)) {
      return List.of();
    }
    // Every run has a row at position 0: one filtered scan, no shuffle to find distinct runs.
    return spark.read().format("delta").load(path).where(col("position").equalTo(0))
        .select("run_id", "profiled_at", "source").collectAsList().stream()
        .map(r -> new ProfileRun(r.getString(0), r.getTimestamp(1).toInstant(), r.getString(2)))
        .sorted(Comparator.comparing(ProfileRun::profiledAt).thenComparing(ProfileRun::id)).toList();
  }

  /** The profile stored as run {@code runId}; empty if the table has no such run. */
  public Optional<Profile> load(String runId) {
    if (!DeltaTable.isDeltaTable(spark, path)) {
      return Optional.empty();
    }
    List<Row> rows = spark.read().format("delta").load(path).where(col("run_id").equalTo(runId))
        .orderBy("position").collectAsList();
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    Row first = rows.get(0);
    List<ColumnProfile> columns = rows.stream().map(ProfileStore::column).toList();
    List<Association> associations = new ArrayList<>();
    for (Row r : rows) {
      if (!r.isNullAt(index("association_method"))) {
        associations.add(new Association(r.getAs("column"), r.getAs("association_method"), r.getAs("association"),
            r.<Long>getAs("association_rows")));
      }
    }
    Optional<Long> spearmanRows = rows.stream().filter(r -> !r.isNullAt(index("spearman_rows")))
        .map(r -> r.<Long>getAs("spearman_rows")).findFirst();
    return Optional.of(new Profile(first.getAs("table_rows"), columns, matrix("pearson", rows, Optional.empty()),
        matrix("spearman", rows, spearmanRows),
        Optional.ofNullable(first.getAs("label")), associations));
  }

  private static int index(String field) {
    return SCHEMA.fieldIndex(field);
  }

  private static Row row(ProfileRun run, Profile profile, int i) {
    ColumnProfile c = profile.columns().get(i);
    Optional<NumericSummary> n = c.numeric();
    Optional<Association> association = profile.association(c.name());
    boolean ranked = profile.spearman().columns().contains(c.name());
    return RowFactory.create(run.id(), Timestamp.from(run.profiledAt()), run.source(), profile.label().orElse(null),
        profile.rows(), i, c.name(), c.dataType(), c.kind().name(), c.count(), c.nulls(), c.nonFinite(),
        c.approxDistinct(),
        n.map(NumericSummary::min).orElse(null), n.map(NumericSummary::max).orElse(null),
        n.map(NumericSummary::mean).orElse(null), n.map(NumericSummary::stddev).orElse(null),
        n.map(s -> structs(s.quantiles(), q -> RowFactory.create(q.probability(), q.value()))).orElse(null),
        c.range().map(ValueRange::min).orElse(null), c.range().map(ValueRange::max).orElse(null),
        c.lengths().map(LengthRange::min).orElse(null), c.lengths().map(LengthRange::max).orElse(null),
        c.kind() == ColumnKind.NUMERIC ? structs(c.histogram(), b -> RowFactory.create(b.low(), b.high(), b.count()))
            : null,
        c.kind() == ColumnKind.CATEGORICAL ? structs(c.topValues(), v -> RowFactory.create(v.value(), v.count()))
            : null,
        c.kind() == ColumnKind.CATEGORICAL ? c.otherValues() : null,
        correlations(profile.pearson(), c.name()), correlations(profile.spearman(), c.name()),
        ranked ? profile.spearman().completeRows().orElse(null) : null,
        association.map(Association::method).orElse(null), association.map(Association::value).orElse(null),
        association.map(Association::rows).orElse(null));
  }

  private static <T> List<Row> structs(List<T> values, Function<T, Row> toRow) {
    return values.stream().map(toRow).toList();
  }

  /** {@code column}'s row of the matrix, NaN as null; null if the column is not in it. */
  private static Map<String, Double> correlations(CorrelationMatrix matrix, String column) {
    int i = matrix.columns().indexOf(column);
    if (i < 0) {
      return null;
    }
    Map<String, Double> row = new LinkedHashMap<>();
    for (int j = 0; j < matrix.columns().size(); j++) {
      double value = matrix.value(i, j);
      row.put(matrix.columns().get(j), Double.isNaN(value) ? null : value);
    }
    return row;
  }

  private static ColumnProfile column(Row r) {
    Optional<NumericSummary> numeric = r.isNullAt(index("min")) ? Optional.empty()
        : Optional.of(new NumericSummary(r.getAs("min"), r.getAs("max"), r.getAs("mean"), r.getAs("stddev"),
            list(r, "quantiles", q -> new Quantile(q.getDouble(0), q.getDouble(1)))));
    return new ColumnProfile(r.getAs("column"), r.getAs("data_type"), ColumnKind.valueOf(r.getAs("kind")),
        r.getAs("count"), r.getAs("nulls"), r.getAs("non_finite"), r.getAs("approx_distinct"), numeric,
        r.isNullAt(index("min_value")) ? Optional.empty()
            : Optional.of(new ValueRange(r.getAs("min_value"), r.getAs("max_value"))),
        r.isNullAt(index("min_length")) ? Optional.empty()
            : Optional.of(new LengthRange(r.getAs("min_length"), r.getAs("max_length"))),
        list(r, "histogram", b -> new Bin(b.getDouble(0), b.getDouble(1), b.getLong(2))),
        list(r, "top_values", v -> new ValueCount(v.getString(0), v.getLong(1))),
        r.isNullAt(index("other_values")) ? 0 : r.<Long>getAs("other_values"));
  }

  private static <T> List<T> list(Row r, String field, Function<Row, T> fromRow) {
    return r.isNullAt(index(field)) ? List.of() : r.<Row>getList(index(field)).stream().map(fromRow).toList();
  }

  /** A matrix from the columns' rows of it, in column order. */
  private static CorrelationMatrix matrix(String method, List<Row> rows, Optional<Long> completeRows) {
    List<String> columns = new ArrayList<>();
    List<Map<String, Double>> entries = new ArrayList<>();
    for (Row r : rows) {
      if (!r.isNullAt(index(method))) {
        columns.add(r.getAs("column"));
        entries.add(r.getJavaMap(index(method)));
      }
    }
    List<Double> values = new ArrayList<>();
    for (Map<String, Double> entry : entries) {
      for (String other : columns) {
        Double value = entry.get(other);
        values.add(value == null ? Double.NaN : value);
      }
    }
    return columns.isEmpty() ? CorrelationMatrix.empty(method)
        : new CorrelationMatrix(method, columns, values, completeRows);
  }
}

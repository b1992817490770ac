package dev.kiln.monitor;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.try_element_at;
import static org.apache.spark.sql.functions.lit;

import dev.kiln.errors.InvalidInputException;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A model version's recent predictions, read from a window of days of either table Kiln writes them to, in one
 * shape whatever the table ({@link #frame}):
 *
 * <ul>
 *   <li>the prediction log's Delta table ({@code kiln ingest-predictions}): inputs in the struct {@code inputs}
 *       under their Avro-safe names ({@code monthly-charges} is {@code inputs.monthly_charges}), outputs in
 *       {@code outputs}, the day in {@code date}, the id in {@code request_id};</li>
 *   <li>a scored table ({@code kiln score}, Delta or Parquet): inputs as top-level columns, {@code prediction},
 *       {@code probability} (array or vector; absent for models without), {@code predicted_label} (optional), the
 *       day in {@code run_date}; ids only in a column the config names.</li>
 * </ul>
 *
 * Only the rows of the version ({@code model_version}) dated within the window are read.
 */
public final class RecentData {

  /** Which table the rows come from. */
  public enum Kind {
    PREDICTION_LOG("prediction log"), SCORED_TABLE("scored table");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** Days {@code from} to {@code to}, both included. */
  public record DateWindow(LocalDate from, LocalDate to) {

    public DateWindow {
      if (from.isAfter(to)) {
        throw new IllegalArgumentException("window from " + from + " after " + to);
      }
    }

    /** The {@code days} days ending at {@code last}. */
    public static DateWindow ending(LocalDate last, int days) {
      return new DateWindow(last.minusDays(days - 1L), last);
    }

    @Override
    public String toString() {
      return from.equals(to) ? from.toString() : from + " to " + to;
    }
  }

  /** The frame's columns: the day, the id (null without one), the outputs; inputs are {@code _i0, _i1, ...}. */
  static final String DAY = "_day";
  static final String ID = "_id";
  static final String PREDICTION = "_prediction";
  static final String POSITIVE = "_positive";
  static final String PREDICTED_LABEL = "_predicted_label";

  private final Kind kind;
  private final String table;
  private final DateWindow window;
  private final Dataset<Row> frame;
  private final List<String> inputs;
  private final boolean probability;
  private final Optional<String> idColumn;

  private RecentData(Kind kind, String table, DateWindow window, Dataset<Row> frame, List<String> inputs,
      boolean probability, Optional<String> idColumn) {
    this.kind = kind;
    this.table = table;
    this.window = window;
    this.frame = frame;
    this.inputs = List.copyOf(inputs);
    this.probability = probability;
    this.idColumn = idColumn;
  }

  /**
   * The rows of {@code model@version} in {@code window} of the prediction log's table.
   *
   * @param inputs the baseline's input columns, whose values are read
   * @throws InvalidInputException if the table does not exist or lacks a column (naming it)
   */
  public static RecentData predictionLog(SparkSession spark, String table, String model, long version,
      List<ColumnBaseline> inputs, DateWindow window) {
    if (!DeltaTable.isDeltaTable(spark, table)) {
      throw new InvalidInputException("there is no prediction log table at " + table + " (kiln ingest-predictions "
          + "writes it from the log a serving process appends)");
    }
    Dataset<Row> rows = spark.read().format("delta").load(table);
    requireColumns(rows.schema(), table, Kind.PREDICTION_LOG, "request_id", "model", "model_version", "date",
        "inputs", "outputs");
    StructType logged = (StructType) rows.schema().apply("inputs").dataType();
    StructType outputs = (StructType) rows.schema().apply("outputs").dataType();
    List<Column> columns = new ArrayList<>();
    columns.add(col("date").cast("date").as(DAY));
    columns.add(col("request_id").cast("string").as(ID));
    for (int i = 0; i < inputs.size(); i++) {
      ColumnBaseline input = inputs.get(i);
      String field = PredictionSchema.avroName(input.name());
      StructField found = Arrays.stream(logged.fields()).filter(f -> f.name().equals(field)).findFirst()
          .orElseThrow(() -> new InvalidInputException("the prediction log table " + table + " has no input '"
              + input.name() + "' (inputs." + field + "): it does not hold the inputs of " + model + "@" + version));
      checkType(input, found.dataType(), table, "inputs." + field);
      columns.add(col("inputs").getField(field).as(DriftBaseline.inputAlias(i)));
    }
    boolean probability = addOutputs(columns, outputs, "outputs.");
    Dataset<Row> frame = rows
        .where(col("date").geq(lit(window.from())).and(col("date").leq(lit(window.to())))
            .and(col("model").equalTo(model)).and(col("model_version").equalTo(version)))
        .select(columns.toArray(Column[]::new));
    return new RecentData(Kind.PREDICTION_LOG, table, window, frame, names(inputs), probability,
        Optional.of("request_id"));
  }

  /**
   * The rows of {@code model@version} in {@code window} of a scored table (its {@code run_date}s).
   *
   * @param idColumn the column that identifies a row for labels, if any
   * @throws InvalidInputException if the table does not exist or lacks a column (naming it)
   */
  public static RecentData scoredTable(SparkSession spark, String table, String model, long version,
      List<ColumnBaseline> inputs, DateWindow window, Optional<String> idColumn) {
    Dataset<Row> rows = readTable(spark, table);
    StructType schema = rows.schema();
    requireColumns(schema, table, Kind.SCORED_TABLE, "run_date", "model_version", "prediction");
    idColumn.ifPresent(id -> requireColumns(schema, table, Kind.SCORED_TABLE, id));
    List<Column> columns = new ArrayList<>();
    columns.add(col("run_date").cast("date").as(DAY));
    columns.add((idColumn.isPresent() ? col(quoted(idColumn.get())).cast("string") : lit(null).cast("string"))
        .as(ID));
    for (int i = 0; i < inputs.size(); i++) {
      ColumnBaseline input = inputs.get(i);
      if (!Arrays.asList(schema.fieldNames()).contains(input.name())) {
        throw new InvalidInputException("the scored table " + table + " has no column '" + input.name() + "', an "
            + "input of " + model + "@" + version);
      }
      checkType(input, schema.apply(input.name()).dataType(), table, input.name());
      columns.add(col(quoted(input.name())).as(DriftBaseline.inputAlias(i)));
    }
    boolean probability = addOutputs(columns, schema, "");
    Column inWindow = col("run_date").geq(lit(window.from())).and(col("run_date").leq(lit(window.to())))
        .and(col("model_version").equalTo(version));
    if (Arrays.asList(schema.fieldNames()).contains("model")) {
      inWindow = inWindow.and(col("model").equalTo(model));
    }
    return new RecentData(Kind.SCORED_TABLE, table, window, rows.where(inWindow)
        .select(columns.toArray(Column[]::new)), names(inputs), probability, idColumn);
  }

  /**
   * The rows, one per prediction: {@code _day} (date), {@code _id} (text, null without an id), {@code _i0, _i1,
   * ...} (the baseline's inputs, in its order, as the table types them), {@code _prediction}, {@code _positive}
   * (the second class's probability, null without), {@code _predicted_label}.
   */
  public Dataset<Row> frame() {
    return frame;
  }

  public Kind kind() {
    return kind;
  }

  public String table() {
    return table;
  }

  public DateWindow window() {
    return window;
  }

  /** The baseline's input names, in the frame's order. */
  public List<String> inputs() {
    return inputs;
  }

  /** Whether the table has class probabilities at all. */
  public boolean hasProbability() {
    return probability;
  }

  /** The table's column that identifies a prediction (for labels): {@code request_id}, or the configured one. */
  public Optional<String> idColumn() {
    return idColumn;
  }

  /** {@code prediction log file:/…/predictions/churn, 2026-11-20 to 2026-11-22}. */
  public String describe() {
    return kind.label() + " " + table + ", " + window;
  }

  // ------------------------------------------------------------------------------------------ reading

  /** A Delta table, else Parquet files. */
  static Dataset<Row> readTable(SparkSession spark, String table) {
    if (DeltaTable.isDeltaTable(spark, table)) {
      return spark.read().format("delta").load(table);
    }
    Path path = new Path(table);
    try {
      if (!path.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(path)) {
        throw new InvalidInputException("there is no table at " + table);
      }
    } catch (IOException e) {
      throw new InvalidInputException("cannot reach " + table + ": " + e.getMessage(), e);
    }
    return spark.read().parquet(table);
  }

  private static void requireColumns(StructType schema, String table, Kind kind, String... required) {
    List<String> missing = Arrays.stream(required).filter(c -> !Arrays.asList(schema.fieldNames()).contains(c))
        .toList();
    if (!missing.isEmpty()) {
      throw new InvalidInputException("the " + kind.label() + " " + table + " has no column " + quotedList(missing)
          + " (its columns: " + String.join(", ", schema.fieldNames()) + ")");
    }
  }

  /** A numeric baseline needs numeric values; any other column is compared as text. */
  private static void checkType(ColumnBaseline input, DataType type, String table, String column) {
    if (input.buckets().numeric() && !(type instanceof NumericType)) {
      throw new InvalidInputException("column '" + column + "' of " + table + " is " + type.simpleString()
          + ", but input '" + input.name() + "' was numeric in training");
    }
  }

  /**
   * Adds the frame's output columns, read from the fields of {@code outputs} (the log's struct, or a scored table's
   * top level, named with {@code prefix}); {@code probability} and {@code predicted_label} are null where absent.
   *
   * @return whether there are class probabilities
   */
  private static boolean addOutputs(List<Column> columns, StructType outputs, String prefix) {
    List<String> fields = Arrays.asList(outputs.fieldNames());
    columns.add(col(prefix + "prediction").cast("double").as(PREDICTION));
    boolean probability = fields.contains("probability");
    columns.add(probability ? positive(col(prefix + "probability"), outputs.apply("probability").dataType())
        : lit(null).cast("double").as(POSITIVE));
    columns.add((fields.contains("predicted_label") ? col(prefix + "predicted_label").cast("string")
        : lit(null).cast("string")).as(PREDICTED_LABEL));
    return probability;
  }

  /** The positive (second) class's probability, from an array or a Spark ML vector. */
  private static Column positive(Column probability, DataType type) {
    Column array = type instanceof VectorUDT
        ? org.apache.spark.ml.functions.vector_to_array(probability, "float64") : probability;
    if (!(type instanceof VectorUDT) && !(type instanceof ArrayType)) {
      throw new InvalidInputException("column 'probability' is " + type.simpleString() + ", not an array of "
          + "class probabilities");
    }
    return try_element_at(array, lit(2)).cast("double").as(POSITIVE);
  }

  private static List<String> names(List<ColumnBaseline> inputs) {
    return inputs.stream().map(ColumnBaseline::name).toList();
  }

  /** A column name quoted for Spark, so that dots, dashes and backticks in it are taken literally. */
  static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  private static String quotedList(List<String> names) {
    return String.join(", ", names.stream().map(n -> "'" + n + "'").toList());
  }
}

package dev.kiln.clean;

import static dev.kiln.clean.StageColumns.field;
import static dev.kiln.clean.StageColumns.missing;
import static dev.kiln.clean.StageColumns.quoted;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link GroupedImputer}: fills the missing values (null, and NaN in numeric columns) of each input column
 * with the value learnt for the row's group, or with the whole-data value where the group was unseen in training or
 * had no value for the column. Present values are never changed.
 *
 * <p><b>Outputs</b>: the filled columns, in place or as {@code outputCols}, each with its input column's type (a fill
 * is cast to it, as Spark's {@code Imputer} does: the mean 2.5 fills an integer column with 2); with
 * {@code addIndicators}, {@code <input column>_was_missing} (double, 1.0 where the input was missing, else 0.0).
 * The group columns are read, never changed, and may hold values never seen in training.
 *
 * <p><b>Saved</b> with Spark's params metadata and a Parquet file of learned rows (group key, column, numeric fill,
 * category fill), so it persists inside a {@code PipelineModel} and {@code PipelineModel.load} restores it.
 */
public final class GroupedImputerModel extends Model<GroupedImputerModel>
    implements GroupedImputerParams, MLWritable {

  // The layout of the learned rows, in memory and on disk; the group column only when there are groupBy columns.
  static final String GROUP = "group";
  static final String COLUMN = "column";
  static final String NUMERIC_FILL = "numeric_fill";
  static final String CATEGORY_FILL = "category_fill";

  // The columns of the group fill table joined at transform time (prefixed so as not to meet a data column).
  private static final String KEY_PART = "__kiln_group_";
  private static final String GROUP_FILL = "__kiln_fill_";

  private final String uid;
  private final Definitions params;
  /** The groupBy columns' fields as in training: the type of each part of a group key. */
  private final StructType groupKey;
  /** Column → fill (a Double for numeric columns, a String for string columns), learnt on the whole data. */
  private final Map<String, Object> globalFills;
  /** Group key (the groupBy columns' values, in order) → column → fill; a column absent has no group value. */
  private final Map<List<Object>, Map<String, Object>> groupFills;

  /** From learned rows: a null group key (or no group column) is a whole-data fill; a null fill is no fill. */
  GroupedImputerModel(String uid, StructType groupKey, List<Row> learnedRows) {
    this.uid = uid;
    this.params = new Definitions(this);
    this.groupKey = groupKey;
    Map<String, Object> global = new HashMap<>();
    Map<List<Object>, Map<String, Object>> byGroup = new HashMap<>();
    int columnAt = groupKey.isEmpty() ? 0 : 1;
    for (Row row : learnedRows) {
      String column = row.getString(columnAt);
      Object fill = row.isNullAt(columnAt + 1) ? row.get(columnAt + 2) : row.get(columnAt + 1);
      if (fill == null) {
        continue;
      }
      if (columnAt == 0 || row.isNullAt(0)) {
        global.put(column, fill);
      } else {
        Row key = row.getStruct(0);
        List<Object> keyValues = new ArrayList<>();
        for (int i = 0; i < key.length(); i++) {
          keyValues.add(key.get(i));
        }
        byGroup.computeIfAbsent(Collections.unmodifiableList(keyValues), k -> new HashMap<>()).put(column, fill);
      }
    }
    this.globalFills = global;
    this.groupFills = byGroup;
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when {@code PipelineModel.load} meets this stage. */
  public static MLReader<GroupedImputerModel> read() {
    return LearnedValuesIO.reader(GroupedImputerModel.class, (uid, data) -> {
      StructType groupKey = Arrays.asList(data.schema().fieldNames()).contains(GROUP)
          ? (StructType) data.schema().apply(GROUP).dataType() : new StructType();
      return new GroupedImputerModel(uid, groupKey, data.collectAsList());
    });
  }

  @Override
  public MLWriter write() {
    return LearnedValuesIO.writer(this, this::learnedValues);
  }

  /** A learned row: the fill (a Double or a String) of {@code column} in the group {@code key} (null: whole data). */
  static Row learnedRow(StructType groupKey, List<Object> key, String column, Object fill) {
    Object numeric = fill instanceof Double ? fill : null;
    Object category = fill instanceof String ? fill : null;
    return groupKey.isEmpty() ? RowFactory.create(column, numeric, category)
        : RowFactory.create(key == null ? null : RowFactory.create(key.toArray()), column, numeric, category);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Definitions paramDefinitions() {
    return params;
  }

  /** The whole-data fill of each numeric input column, in input column order. */
  public Map<String, Double> numericFills() {
    return fillsOf(globalFills, Double.class);
  }

  /** The whole-data fill of each string input column, in input column order. */
  public Map<String, String> categoryFills() {
    return fillsOf(globalFills, String.class);
  }

  /** The groupBy columns' fields as in training: a group key's values are cast to these types before matching. */
  public StructType groupKeySchema() {
    return groupKey;
  }

  /**
   * The value {@link #transform} puts in place of a missing {@code column}, without Spark: the fill of the group
   * {@code groupValues} (already cast to {@link #groupKeySchema()}'s types; a null value is a group of its own) if
   * training saw that group with a value for the column, else the whole-data fill. A {@code Double} for numeric
   * columns, a {@code String} for string columns.
   */
  public Object fillFor(String column, List<Object> groupValues) {
    Map<String, Object> groupFill = groupValues.isEmpty() ? null : groupFills.get(groupValues);
    Object fill = groupFill == null ? null : groupFill.get(column);
    return fill != null ? fill : globalFills.get(column);
  }

  /** For each group seen in training (its groupBy columns' values, in order), its numeric fills. */
  public Map<List<Object>, Map<String, Double>> numericFillsByGroup() {
    Map<List<Object>, Map<String, Double>> result = new LinkedHashMap<>();
    groupFills.forEach((key, fills) -> result.put(key, fillsOf(fills, Double.class)));
    return result;
  }

  /** For each group seen in training (its groupBy columns' values, in order), its string fills. */
  public Map<List<Object>, Map<String, String>> categoryFillsByGroup() {
    Map<List<Object>, Map<String, String>> result = new LinkedHashMap<>();
    groupFills.forEach((key, fills) -> result.put(key, fillsOf(fills, String.class)));
    return result;
  }

  boolean hasFill(String column) {
    return globalFills.containsKey(column);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    for (String input : getInputCols()) {
      Object fill = globalFills.get(input);
      if (fill == null) {
        throw new IllegalArgumentException(STAGE + ": column '" + input + "' was not fitted");
      }
      StructField field = field(STAGE, schema, input);
      if ((fill instanceof Double) != (field.dataType() instanceof NumericType)) {
        throw StageColumns.wrongType(STAGE, field, fill instanceof Double
            ? "a numeric type, as when it was fitted" : "type string, as when it was fitted");
      }
    }
    return imputedSchema(schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    Dataset<Row> rows = dataset.toDF();
    String[] inputs = getInputCols();
    String[] outputs = StageColumns.outputNames(STAGE, inputs, getOutputCols());
    List<String> grouped = Arrays.stream(inputs)
        .filter(c -> groupFills.values().stream().anyMatch(fills -> fills.containsKey(c))).toList();
    Map<String, Column> results = new LinkedHashMap<>();
    Map<String, Column> indicators = new LinkedHashMap<>();
    for (int i = 0; i < inputs.length; i++) {
      DataType type = rows.schema().apply(inputs[i]).dataType();
      Column value = quoted(inputs[i]);
      Column isMissing = missing(value, type);
      Column fill = lit(globalFills.get(inputs[i]));
      if (grouped.contains(inputs[i])) {
        fill = coalesce(quoted(GROUP_FILL + grouped.indexOf(inputs[i])), fill);
      }
      results.put(outputs[i], when(isMissing, fill.cast(type)).otherwise(value));
      indicators.put(inputs[i] + INDICATOR_SUFFIX, when(isMissing, 1.0).otherwise(0.0));
    }
    if (getAddIndicators()) {
      results.putAll(indicators);
    }
    if (grouped.isEmpty()) {
      return StageColumns.withResults(rows, rows.columns(), results);
    }
    // The group fills as a small table, broadcast and joined on the group key (null-safe: a null group value is a
    // group of its own); rows of groups unseen in training find no match and keep the whole-data fill.
    Dataset<Row> table = groupFillTable(rows.sparkSession(), grouped);
    Column sameGroup = lit(true);
    String[] groupBy = getGroupByCols();
    for (int i = 0; i < groupBy.length; i++) {
      sameGroup = sameGroup.and(quoted(groupBy[i]).cast(groupKey.fields()[i].dataType())
          .eqNullSafe(quoted(KEY_PART + i)));
    }
    return StageColumns.withResults(rows.join(broadcast(table), sameGroup, "left_outer"), rows.columns(), results);
  }

  @Override
  public GroupedImputerModel copy(ParamMap extra) {
    GroupedImputerModel copy = new GroupedImputerModel(uid, groupKey, learnedRows());
    return copyValues(copy, extra).setParent(parent());
  }

  /** One row per group seen in training: its key parts, then its fill for each of {@code columns} (null: none). */
  private Dataset<Row> groupFillTable(SparkSession spark, List<String> columns) {
    StructType schema = new StructType();
    for (int i = 0; i < groupKey.size(); i++) {
      schema = schema.add(KEY_PART + i, groupKey.fields()[i].dataType(), true);
    }
    for (int j = 0; j < columns.size(); j++) {
      DataType type = globalFills.get(columns.get(j)) instanceof Double ? DataTypes.DoubleType : DataTypes.StringType;
      schema = schema.add(GROUP_FILL + j, type, true);
    }
    List<Row> table = new ArrayList<>();
    groupFills.forEach((key, fills) -> {
      List<Object> values = new ArrayList<>(key);
      columns.forEach(c -> values.add(fills.get(c)));
      table.add(RowFactory.create(values.toArray()));
    });
    return spark.createDataFrame(table, schema);
  }

  /** Everything learnt, as learned rows: what {@link #write()} saves and the constructor reads back. */
  private List<Row> learnedRows() {
    List<Row> rows = new ArrayList<>();
    globalFills.forEach((column, fill) -> rows.add(learnedRow(groupKey, null, column, fill)));
    groupFills.forEach((key, fills) -> fills.forEach((column, fill) -> rows.add(learnedRow(groupKey, key, column,
        fill))));
    return rows;
  }

  private Dataset<Row> learnedValues(SparkSession spark) {
    StructType schema = new StructType();
    if (!groupKey.isEmpty()) {
      schema = schema.add(GROUP, groupKey, true);
    }
    schema = schema.add(COLUMN, DataTypes.StringType, false)
        .add(NUMERIC_FILL, DataTypes.DoubleType, true)
        .add(CATEGORY_FILL, DataTypes.StringType, true);
    return spark.createDataFrame(learnedRows(), schema);
  }

  /** The fills of type {@code type}, in input column order. */
  private <T> Map<String, T> fillsOf(Map<String, Object> fills, Class<T> type) {
    Map<String, T> result = new LinkedHashMap<>();
    for (String input : getInputCols()) {
      if (type.isInstance(fills.get(input))) {
        result.put(input, type.cast(fills.get(input)));
      }
    }
    return result;
  }
}

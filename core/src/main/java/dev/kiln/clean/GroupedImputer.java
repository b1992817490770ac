package dev.kiln.clean;

import static dev.kiln.clean.StageColumns.quoted;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.grouping_id;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.negate;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.kiln.errors.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Fills missing values with statistics learnt on the data it is fitted on (in Kiln: the training split only), so that
 * the fitted {@link GroupedImputerModel}, saved inside the {@code PipelineModel}, applies the very same values when
 * serving.
 *
 * <p><b>Missing</b> means null, and for numeric columns also NaN; missing values never enter a statistic.
 *
 * <p><b>What it learns</b>, for each input column:
 * <ul>
 *   <li>numeric columns, by {@code numericStrategy}: {@code mean}; {@code median}, Spark's approximate quantile
 *       within {@code relativeError} of the middle rank (default 0.001; on few values it is the lower of the two
 *       middle values, never an average of them); or {@code constant}, {@code numericConstant};</li>
 *   <li>string columns, by {@code categoricalStrategy}: {@code mode}, the most frequent value (the smallest value on
 *       a tie, so the choice never depends on partitioning); or {@code constant}, {@code categoricalConstant}
 *       (default {@code "__missing__"}, an explicit missing category).</li>
 * </ul>
 * With {@code groupByCols}, the mean, median and mode are learnt for each group of those columns (a null group value
 * is a group of its own) and for the whole data; a row whose group was unseen in training, or whose group had no
 * value for the column, is filled with the whole-data statistic. A column with no value at all in the fitting data
 * cannot learn a statistic: {@code fit} fails and names it.
 *
 * <p><b>Cost</b>: one query, whatever the number of columns and groups: one aggregation over the data for every
 * mean or median and one for every mode, each a {@code rollup} that yields the group and the whole-data statistics
 * together. None at all when every strategy is {@code constant}.
 *
 * <p><b>What the model outputs</b>: see {@link GroupedImputerModel}.
 */
public final class GroupedImputer extends Estimator<GroupedImputerModel>
    implements GroupedImputerParams, DefaultParamsWritable {

  // The names of the columns of the aggregation (prefixed so as not to meet a data column).
  private static final String LEVEL = "__kiln_level";
  private static final String COLUMN = "__kiln_column";
  private static final String VALUE = "__kiln_value";
  private static final String STAT = "__kiln_stat";
  private static final String COUNT = "__kiln_count";
  private static final String IS_GLOBAL = "__kiln_is_global";
  private static final String PAIR = "__kiln_pair";

  private final String uid;
  private final Definitions params;

  public GroupedImputer(String uid) {
    this.uid = uid;
    this.params = new Definitions(this);
  }

  public GroupedImputer() {
    this(Identifiable.randomUID("groupedImputer"));
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when it loads a saved {@code Pipeline}. */
  public static MLReader<GroupedImputer> read() {
    return new DefaultParamsReader<>();
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Definitions paramDefinitions() {
    return params;
  }

  public GroupedImputer setInputCols(String... columns) {
    set(inputCols(), columns);
    return this;
  }

  public GroupedImputer setOutputCols(String... columns) {
    set(outputCols(), columns);
    return this;
  }

  public GroupedImputer setGroupByCols(String... columns) {
    set(groupByCols(), columns);
    return this;
  }

  public GroupedImputer setNumericStrategy(String strategy) {
    set(numericStrategy(), strategy);
    return this;
  }

  public GroupedImputer setNumericConstant(double fill) {
    set(numericConstant(), fill);
    return this;
  }

  public GroupedImputer setCategoricalStrategy(String strategy) {
    set(categoricalStrategy(), strategy);
    return this;
  }

  public GroupedImputer setCategoricalConstant(String fill) {
    set(categoricalConstant(), fill);
    return this;
  }

  public GroupedImputer setRelativeError(double relativeError) {
    set(relativeError(), relativeError);
    return this;
  }

  public GroupedImputer setAddIndicators(boolean add) {
    set(addIndicators(), add);
    return this;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    StructType imputed = imputedSchema(schema);
    boolean anyNumeric = Arrays.stream(getInputCols()).anyMatch(c -> schema.apply(c).dataType() instanceof NumericType);
    if (anyNumeric && getNumericStrategy().equals(CONSTANT) && !isDefined(numericConstant())) {
      throw new IllegalArgumentException(STAGE + ": numericStrategy constant needs numericConstant");
    }
    return imputed;
  }

  @Override
  public GroupedImputerModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    Dataset<Row> rows = dataset.toDF();
    StructType groupKey = groupKeySchema(rows.schema());
    List<String> averaged = new ArrayList<>();
    List<String> modal = new ArrayList<>();
    List<Row> learned = new ArrayList<>();
    for (String input : getInputCols()) {
      boolean numeric = rows.schema().apply(input).dataType() instanceof NumericType;
      String strategy = numeric ? getNumericStrategy() : getCategoricalStrategy();
      if (strategy.equals(CONSTANT)) {
        learned.add(GroupedImputerModel.learnedRow(groupKey, null, input,
            numeric ? getNumericConstant() : getCategoricalConstant()));
      } else {
        (numeric ? averaged : modal).add(input);
      }
    }
    // Averages and modes in one plan, collected at once: one query for every column, group and whole-data value.
    Optional<Dataset<Row>> statistics = Stream.of(averages(rows, averaged), modes(rows, modal))
        .flatMap(Optional::stream).reduce(Dataset::union);
    statistics.ifPresent(s -> learned.addAll(s.collectAsList()));
    GroupedImputerModel model = new GroupedImputerModel(uid, groupKey, learned);
    for (String input : getInputCols()) {
      if (!model.hasFill(input)) {
        throw new InvalidInputException(STAGE + ": column '" + input + "' has no value (all null or NaN) in the data "
            + "it is fitted on, so it cannot learn a " + (averaged.contains(input) ? getNumericStrategy() : MODE));
      }
    }
    return copyValues(model, ParamMap.empty()).setParent(this);
  }

  @Override
  public GroupedImputer copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** The groupBy columns as they were in training: the type of each part of a group key. */
  private StructType groupKeySchema(StructType schema) {
    StructType key = new StructType();
    for (String group : getGroupByCols()) {
      StructField field = schema.apply(group);
      key = key.add(field.name(), field.dataType(), true);
    }
    return key;
  }

  /** The mean or median of each numeric column, per group and overall, as learned rows. */
  private Optional<Dataset<Row>> averages(Dataset<Row> rows, List<String> columns) {
    if (columns.isEmpty()) {
      return Optional.empty();
    }
    int accuracy = StageColumns.quantileAccuracy(getRelativeError());
    Column[] statistics = new Column[columns.size()];
    Column[] perColumn = new Column[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      Column value = quoted(columns.get(i));
      Column present = when(not(isnan(value)), value.cast(DataTypes.DoubleType));
      Column statistic = getNumericStrategy().equals(MEDIAN)
          ? percentile_approx(present, lit(0.5), lit(accuracy)) : avg(present);
      statistics[i] = statistic.as(STAT + i);
      perColumn[i] = struct(lit(columns.get(i)).as(COLUMN), quoted(STAT + i).as(STAT));
    }
    // One row per group with a statistic per column, turned into one row per (group, column).
    Dataset<Row> byColumn = perGroupAndOverall(rows, new Column[0], statistics)
        .select(withLevelAndGroup(explode(array(perColumn)).as(PAIR)))
        .select(withLevelAndGroup(quoted(PAIR).getField(COLUMN).as(COLUMN), quoted(PAIR).getField(STAT).as(STAT)));
    return Optional.of(learnedRows(byColumn, quoted(STAT), lit(null)));
  }

  /** The mode of each string column, per group and overall, as learned rows. */
  private Optional<Dataset<Row>> modes(Dataset<Row> rows, List<String> columns) {
    if (columns.isEmpty()) {
      return Optional.empty();
    }
    // One row per (row, column), so that one aggregation counts the values of every column.
    Column[] pairs = columns.stream().map(c -> struct(lit(c).as(COLUMN), quoted(c).as(VALUE))).toArray(Column[]::new);
    Dataset<Row> values = rows
        .select(withGroup(explode(array(pairs)).as(PAIR)))
        .select(withGroup(quoted(PAIR).getField(COLUMN).as(COLUMN), quoted(PAIR).getField(VALUE).as(VALUE)))
        .where(quoted(VALUE).isNotNull());
    Dataset<Row> counts = perGroupAndOverall(values, new Column[] {quoted(COLUMN), quoted(VALUE)},
        count(lit(1)).as(COUNT));
    // The smallest (-count, value) is the most frequent value, and the smallest of those on a tie.
    Column mode = min(struct(negate(quoted(COUNT)), quoted(VALUE))).getField(VALUE).as(VALUE);
    Dataset<Row> modes = counts.groupBy(withLevelAndGroup(quoted(COLUMN))).agg(mode);
    return Optional.of(learnedRows(modes, lit(null), quoted(VALUE)));
  }

  /**
   * {@code aggregates} over each group of {@code keys} plus the groupBy columns, and over {@code keys} alone (the
   * whole data), in one aggregation: a {@code rollup} whose levels in between are dropped. {@code IS_GLOBAL} tells
   * the two levels apart (a group whose values are null is still a group).
   */
  private Dataset<Row> perGroupAndOverall(Dataset<Row> rows, Column[] keys, Column... aggregates) {
    Column[] groupBy = Stream.concat(Arrays.stream(keys), groupColumns()).toArray(Column[]::new);
    if (groupBy.length == 0) {
      return rows.agg(aggregates[0], Arrays.copyOfRange(aggregates, 1, aggregates.length))
          .withColumn(IS_GLOBAL, lit(true));
    }
    // grouping_id has a bit for each rolled-up column, the last column's lowest: at the level of the keys alone
    // all the groupBy columns' bits are set, at the level of whole groups none.
    int keysAlone = (1 << getGroupByCols().length) - 1;
    return rows.rollup(groupBy).agg(grouping_id().as(LEVEL), aggregates)
        .where(quoted(LEVEL).isin(0, keysAlone))
        .withColumn(IS_GLOBAL, quoted(LEVEL).equalTo(keysAlone));
  }

  private Stream<Column> groupColumns() {
    return Arrays.stream(getGroupByCols()).map(StageColumns::quoted);
  }

  private Column[] withGroup(Column... columns) {
    return Stream.concat(groupColumns(), Arrays.stream(columns)).toArray(Column[]::new);
  }

  private Column[] withLevelAndGroup(Column... columns) {
    return Stream.concat(Stream.of(quoted(IS_GLOBAL)), Arrays.stream(withGroup(columns))).toArray(Column[]::new);
  }

  /** Statistics laid out as {@link GroupedImputerModel}'s learned rows; the group key is null for the whole data. */
  private Dataset<Row> learnedRows(Dataset<Row> statistics, Column numericFill, Column categoryFill) {
    List<Column> layout = new ArrayList<>();
    if (getGroupByCols().length > 0) {
      layout.add(when(not(quoted(IS_GLOBAL)), struct(groupColumns().toArray(Column[]::new)))
          .as(GroupedImputerModel.GROUP));
    }
    layout.add(quoted(COLUMN).as(GroupedImputerModel.COLUMN));
    layout.add(numericFill.cast(DataTypes.DoubleType).as(GroupedImputerModel.NUMERIC_FILL));
    layout.add(categoryFill.cast(DataTypes.StringType).as(GroupedImputerModel.CATEGORY_FILL));
    return statistics.select(layout.toArray(Column[]::new));
  }
}

package dev.kiln.contract;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import dev.kiln.config.PipelineConfig.ColumnContract;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.source.Source;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Checks rows against a schema contract and the rules every run has (a record must parse, a row must have a label),
 * and types them as the contract says.
 *
 * <p>{@link #check} adds one column, {@link #VERDICT}: null for a good row, else a struct of the
 * {@link QuarantineReason} code, the column at fault (null for a whole-record problem) and a detail such as
 * {@code '4x' is not a valid int}. It is one projection over the rows; callers cache its result and derive
 * {@link #kept} and {@link #quarantined} from the cache, so each row is judged once and lands in exactly one of the
 * two. A column the contract names but the rows lack is a problem with the whole source, reported at once.
 */
public final class ContractChecker {

  /** The verdict column {@link #check} adds. */
  public static final String VERDICT = "_kiln_verdict";

  private static final StructType VERDICT_TYPE = new StructType()
      .add("reason", DataTypes.StringType).add("column", DataTypes.StringType).add("detail", DataTypes.StringType);

  private final Map<String, ColumnContract> rules = new LinkedHashMap<>();
  private final Optional<String> label;
  private final Optional<CsvDialect> csv;

  /**
   * @param rules the contract's columns (empty: only the rules every run has)
   * @param label the label column: a row without one is quarantined ({@code missing_label})
   * @param csv for rows read from CSV, how to count a malformed line's fields (to tell a wrong column count from an
   *     unparseable value); empty for other sources
   */
  public ContractChecker(List<ColumnContract> rules, Optional<String> label, Optional<CsvDialect> csv) {
    rules.forEach(rule -> this.rules.put(rule.name(), rule));
    this.label = label;
    this.csv = csv;
  }

  /** How a CSV source splits a line into fields: Spark's {@code sep}, {@code quote} and {@code escape} options. */
  public record CsvDialect(char delimiter, char quote, char escape) implements java.io.Serializable {

    public static CsvDialect of(Map<String, String> options) {
      String sep = options.getOrDefault("sep", options.getOrDefault("delimiter", ","));
      return new CsvDialect("\\t".equals(sep) ? '\t' : sep.charAt(0),
          options.getOrDefault("quote", "\"").charAt(0), options.getOrDefault("escape", "\\").charAt(0));
    }
  }

  /** {@code rows} with the {@link #VERDICT} column; {@code source} names the rows in errors. */
  public Dataset<Row> check(Dataset<Row> rows, String source) {
    List<String> data = Source.dataColumns(rows);
    List<String> absent = rules.keySet().stream().filter(c -> !data.contains(c)).toList();
    if (!absent.isEmpty()) {
      throw new InvalidInputException("the schema contract names column" + (absent.size() == 1 ? " " : "s ")
          + String.join(", ", absent) + " that " + source + " does not have (it has: " + String.join(", ", data)
          + ")");
    }
    StructType schema = rows.schema();
    List<Column[]> branches = new ArrayList<>();  // {condition, verdict}
    if (List.of(rows.columns()).contains(Source.MALFORMED_COLUMN)) {
      Column malformed = col(Source.MALFORMED_COLUMN);
      if (csv.isPresent()) {
        Column fields = org.apache.spark.sql.functions.udf(new CsvFieldCount(csv.get()), DataTypes.IntegerType)
            .apply(malformed);
        branches.add(new Column[] {malformed.isNotNull().and(fields.notEqual(lit(data.size()))),
            verdict(QuarantineReason.CSV_COLUMN_COUNT, null,
                concat(fields.cast("string"), lit(" fields; the header has " + data.size())))});
      }
      branches.add(new Column[] {malformed.isNotNull(), verdict(QuarantineReason.MALFORMED_RECORD, null,
          lit(csv.isPresent() ? "a value does not parse as its column's type" : "the record does not parse"))});
    }
    if (csv.isPresent()) {
      for (String name : data) {
        if (schema.apply(name).dataType() instanceof StringType) {
          branches.add(new Column[] {quoted(name).contains("\uFFFD"), verdict(QuarantineReason.INVALID_ENCODING, name,
              lit("bytes that are not valid in the file's encoding (source.options.encoding, UTF-8 by default)"))});
        }
      }
    }
    for (String name : data) {
      ColumnContract rule = rules.get(name);
      if (rule == null) {
        continue;
      }
      DataType from = schema.apply(name).dataType();
      Column raw = quoted(name);
      Column typed = typed(rule, from, source);
      if (!typed.equals(raw) && !(from instanceof StringType && "string".equals(rule.type()))) {
        branches.add(new Column[] {raw.isNotNull().and(typed.isNull()), verdict(QuarantineReason.UNPARSEABLE_VALUE,
            name, concat(lit("'"), raw.cast("string"), lit("' is not a valid " + rule.type())))});
      }
      if (!rule.nullable() && !label.equals(Optional.of(name))) {
        branches.add(new Column[] {typed.isNull(), verdict(QuarantineReason.NULL_NOT_ALLOWED, name,
            lit("missing in a column the contract says is not nullable"))});
      }
      if (rule.min().isPresent() || rule.max().isPresent()) {
        Column below = rule.min().map(min -> typed.lt(lit(min))).orElse(lit(false));
        Column above = rule.max().map(max -> typed.gt(lit(max))).orElse(lit(false));
        branches.add(new Column[] {below.or(above), verdict(QuarantineReason.OUT_OF_RANGE, name,
            concat(typed.cast("string"), lit(" is outside [" + bound(rule.min()) + ", " + bound(rule.max()) + "]")))});
      }
      if (!rule.allowed().isEmpty()) {
        branches.add(new Column[] {typed.isNotNull().and(typed.isin(rule.allowed().toArray()).unary_$bang()),
            verdict(QuarantineReason.CATEGORY_NOT_ALLOWED, name, concat(lit("'"), typed,
                lit("' is not one of the " + rule.allowed().size() + " allowed values")))});
      }
    }
    if (label.isPresent() && data.contains(label.get())) {
      Column labelled = rules.containsKey(label.get())
          ? typed(rules.get(label.get()), schema.apply(label.get()).dataType(), source) : quoted(label.get());
      branches.add(new Column[] {labelled.isNull(), verdict(QuarantineReason.MISSING_LABEL, label.get(),
          lit("no label"))});
    }
    Column none = lit(null).cast(VERDICT_TYPE);
    if (branches.isEmpty()) {
      return rows.withColumn(VERDICT, none);
    }
    Column chain = when(branches.get(0)[0], branches.get(0)[1]);
    for (Column[] branch : branches.subList(1, branches.size())) {
      chain = chain.when(branch[0], branch[1]);
    }
    return rows.withColumn(VERDICT, chain.otherwise(none));
  }

  /** The good rows of a {@link #check}ed set, typed as the contract says, without Kiln's bookkeeping columns. */
  public Dataset<Row> kept(Dataset<Row> checked, String source) {
    StructType schema = checked.schema();
    Column[] columns = Source.dataColumns(checked).stream()
        .map(name -> rules.containsKey(name)
            ? typed(rules.get(name), schema.apply(name).dataType(), source).as(name) : quoted(name))
        .toArray(Column[]::new);
    return checked.filter(col(VERDICT).isNull()).select(columns);
  }

  /**
   * The rejected rows of a {@link #check}ed set in the quarantine table's layout: reason, column, detail, where the
   * row came from ({@code source}, and the file for file sources) and the record as read (JSON of its values, or the
   * raw text of a record that did not parse).
   */
  public Dataset<Row> quarantined(Dataset<Row> checked, String runId, String pipeline, String source,
      java.time.Instant at) {
    List<String> columns = List.of(checked.columns());
    Column[] data = Source.dataColumns(checked).stream().map(ContractChecker::quoted).toArray(Column[]::new);
    Column record = data.length == 0 ? lit("{}") : to_json(struct(data));
    if (columns.contains(Source.MALFORMED_COLUMN)) {
      record = coalesce(col(Source.MALFORMED_COLUMN), record);
    }
    Column file = columns.contains(Source.FILE_COLUMN) ? col(Source.FILE_COLUMN) : lit(null).cast("string");
    return checked.filter(col(VERDICT).isNotNull()).select(
        lit(runId).as("run_id"),
        lit(pipeline).as("pipeline"),
        lit(java.sql.Timestamp.from(at)).as("quarantined_at"),
        col(VERDICT).getField("reason").as("reason"),
        col(VERDICT).getField("column").as("column"),
        col(VERDICT).getField("detail").as("detail"),
        lit(source).as("source"),
        file.as("source_file"),
        record.as("record"));
  }

  /** Rows of a {@link #check}ed set by reason code; good rows under the key {@code ""}. One small aggregation. */
  public static Map<String, Long> countByReason(Dataset<Row> checked) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Row row : checked.groupBy(col(VERDICT).getField("reason")).count().collectAsList()) {
      counts.put(row.isNullAt(0) ? "" : row.getString(0), row.getLong(1));
    }
    return counts;
  }

  /** The column as the contract types it; a value that does not convert becomes null. */
  private static Column typed(ColumnContract rule, DataType from, String source) {
    DataType target = sparkType(rule.type());
    Column raw = quoted(rule.name());
    if (from.equals(target)) {
      return raw;
    }
    String sql = "`" + rule.name().replace("`", "``") + "`";
    if (from instanceof StringType) {
      if (rule.format().isPresent()) {
        Column stamp = expr("try_to_timestamp(" + sql + ", '" + rule.format().get().replace("'", "\\'") + "')");
        return "date".equals(rule.type()) ? stamp.cast("date") : stamp;
      }
      return "string".equals(rule.type()) ? raw : expr("try_cast(trim(" + sql + ") AS " + sqlType(rule.type()) + ")");
    }
    if ("string".equals(rule.type())) {
      return raw.cast("string");
    }
    boolean numericLike = from instanceof NumericType || from instanceof BooleanType;
    boolean temporal = from instanceof DateType || from instanceof TimestampType;
    boolean toNumeric = List.of("int", "long", "double", "boolean").contains(rule.type());
    if ((numericLike && toNumeric) || (temporal && !toNumeric)) {
      return expr("try_cast(" + sql + " AS " + sqlType(rule.type()) + ")");
    }
    throw new InvalidInputException("column '" + rule.name() + "' of " + source + " is " + from.simpleString()
        + "; the schema contract says " + rule.type());
  }

  static DataType sparkType(String type) {
    return switch (type) {
      case "int" -> DataTypes.IntegerType;
      case "long" -> DataTypes.LongType;
      case "double" -> DataTypes.DoubleType;
      case "boolean" -> DataTypes.BooleanType;
      case "date" -> DataTypes.DateType;
      case "timestamp" -> DataTypes.TimestampType;
      default -> DataTypes.StringType;
    };
  }

  private static String sqlType(String type) {
    return sparkType(type).sql();
  }

  private static Column verdict(QuarantineReason reason, String column, Column detail) {
    return struct(lit(reason.code()).as("reason"), lit(column).cast("string").as("column"), detail.as("detail"));
  }

  private static String bound(Optional<Double> value) {
    return value.map(v -> v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf(v.longValue())
        : String.format(Locale.ROOT, "%s", v)).orElse("..");
  }

  private static Column quoted(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  /** The number of fields in one CSV line, split as Spark's reader splits it. */
  private static final class CsvFieldCount implements UDF1<String, Integer> {
    private final CsvDialect dialect;
    private transient CsvParser parser;

    CsvFieldCount(CsvDialect dialect) {
      this.dialect = dialect;
    }

    @Override
    public Integer call(String line) {
      if (line == null) {
        return null;
      }
      if (parser == null) {
        CsvParserSettings settings = new CsvParserSettings();
        settings.getFormat().setDelimiter(dialect.delimiter());
        settings.getFormat().setQuote(dialect.quote());
        settings.getFormat().setQuoteEscape(dialect.escape());
        settings.setMaxColumns(100_000);
        settings.setMaxCharsPerColumn(-1);
        parser = new CsvParser(settings);
      }
      String[] fields = parser.parseLine(line);
      return fields == null ? 0 : fields.length;
    }
  }
}

package dev.kiln.contract;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.kiln.config.PipelineConfig.ColumnContract;
import dev.kiln.source.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Infers a contract from rows as read (text from CSV and JSON, typed from other sources), in two aggregations
 * whatever the width:
 * <ol>
 *   <li>for text columns, how many non-null values fail to parse as int, long, double, date and timestamp (the
 *       narrowest type every value parses as wins; else string), and each column's nulls;</li>
 *   <li>with those types: min and max of numeric columns; the distinct values of string columns, kept as
 *       {@code allowed} when there are at most {@code maxCategories}.</li>
 * </ol>
 * A column with no nulls in the rows is inferred not nullable, except the label (rows without one are quarantined
 * as {@code missing_label} in any case). Integer columns whose values are nearly all distinct (identifiers, counters)
 * get no range: the next batch's new ids are not errors. Malformed records and rows without a label are left out first.
 */
public final class ContractInference {

  private static final List<String> TEXT_CANDIDATES = List.of("int", "long", "double", "date", "timestamp");

  private final int maxCategories;
  private final Optional<String> label;

  public ContractInference(int maxCategories, Optional<String> label) {
    this.maxCategories = maxCategories;
    this.label = label;
  }

  public List<ColumnContract> infer(Dataset<Row> rows) {
    Dataset<Row> clean = rows;
    if (List.of(rows.columns()).contains(Source.MALFORMED_COLUMN)) {
      clean = clean.filter(col(Source.MALFORMED_COLUMN).isNull());
    }
    if (label.isPresent() && List.of(rows.columns()).contains(label.get())) {
      clean = clean.filter(quoted(label.get()).isNotNull());
    }
    List<String> names = Source.dataColumns(clean);
    List<DataType> types = names.stream().map(n -> rows.schema().apply(n).dataType()).toList();

    List<Column> first = new ArrayList<>();
    first.add(count(lit(1)));
    for (int i = 0; i < names.size(); i++) {
      Column raw = quoted(names.get(i));
      first.add(sum(when(raw.isNull(), 1L).otherwise(0L)));
      first.add(org.apache.spark.sql.functions.approx_count_distinct(raw));
      if (types.get(i) instanceof StringType) {
        for (String candidate : TEXT_CANDIDATES) {
          first.add(sum(when(raw.isNotNull().and(parsed(names.get(i), candidate).isNull()), 1L).otherwise(0L)));
        }
      }
    }
    Row counts = clean.agg(first.get(0), first.subList(1, first.size()).toArray(Column[]::new)).head();

    List<String> inferred = new ArrayList<>();
    List<Boolean> nullable = new ArrayList<>();
    List<Long> distinct = new ArrayList<>();
    List<Long> present = new ArrayList<>();
    int at = 1;
    for (int i = 0; i < names.size(); i++) {
      long nulls = counts.getLong(at++);
      present.add(counts.getLong(0) - nulls);
      nullable.add(nulls > 0 || label.equals(Optional.of(names.get(i))));
      distinct.add(counts.getLong(at++));
      if (types.get(i) instanceof StringType) {
        String type = "string";
        for (String candidate : TEXT_CANDIDATES) {
          if (counts.getLong(at++) == 0 && "string".equals(type)) {
            type = candidate;
          }
        }
        inferred.add(type);
      } else {
        inferred.add(kiln(types.get(i)));
      }
    }

    List<Column> second = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      Column value = types.get(i) instanceof StringType ? parsed(names.get(i), inferred.get(i))
          : quoted(names.get(i));
      if (hasRange(inferred.get(i), distinct.get(i), present.get(i))) {
        second.add(min(value.cast("double")));
        second.add(max(value.cast("double")));
      } else if ("string".equals(inferred.get(i)) && fewValues(distinct.get(i))) {
        second.add(collect_set(value));
      }
    }
    Row stats = second.isEmpty() ? null
        : clean.agg(second.get(0), second.subList(1, second.size()).toArray(Column[]::new)).head();

    List<ColumnContract> columns = new ArrayList<>();
    at = 0;
    for (int i = 0; i < names.size(); i++) {
      String type = inferred.get(i);
      Optional<Double> low = Optional.empty();
      Optional<Double> high = Optional.empty();
      List<String> allowed = List.of();
      if (hasRange(type, distinct.get(i), present.get(i))) {
        low = stats.isNullAt(at) ? Optional.empty() : Optional.of(stats.getDouble(at));
        high = stats.isNullAt(at + 1) ? Optional.empty() : Optional.of(stats.getDouble(at + 1));
        at += 2;
      } else if ("string".equals(type) && fewValues(distinct.get(i))) {
        List<String> values = new ArrayList<>(stats.getList(at++));
        if (values.size() <= maxCategories && !values.isEmpty()) {
          values.sort(null);
          allowed = List.copyOf(values);
        }
      }
      columns.add(new ColumnContract(names.get(i), type, nullable.get(i), low, high, allowed, Optional.empty()));
    }
    return columns;
  }

  /**
   * Whether to infer a numeric range: not for integer columns whose values are (nearly) all distinct, which look like
   * identifiers or counters — new rows bring new, larger values, which are not errors.
   */
  private static boolean hasRange(String type, long approximateDistinct, long present) {
    boolean integral = List.of("int", "long").contains(type);
    return List.of("int", "long", "double").contains(type) && !(integral && approximateDistinct >= 0.9 * present);
  }

  /** Whether a column may be categorical: the approximate count has a few percent error, so allow a margin. */
  private boolean fewValues(long approximateDistinct) {
    return approximateDistinct <= maxCategories * 1.1 + 2;
  }

  private static Column parsed(String name, String type) {
    String sql = "`" + name.replace("`", "``") + "`";
    return "string".equals(type) ? quoted(name)
        : expr("try_cast(trim(" + sql + ") AS " + ContractChecker.sparkType(type).sql() + ")");
  }

  private static String kiln(DataType type) {
    if (type instanceof IntegerType || type instanceof ShortType || type instanceof ByteType) {
      return "int";
    }
    if (type instanceof LongType) {
      return "long";
    }
    if (type instanceof NumericType) {
      return "double";
    }
    if (type instanceof BooleanType) {
      return "boolean";
    }
    if (type instanceof DateType) {
      return "date";
    }
    return type instanceof TimestampType ? "timestamp" : "string";
  }

  private static Column quoted(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }
}

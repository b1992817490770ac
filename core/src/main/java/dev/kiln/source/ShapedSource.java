package dev.kiln.source;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A source whose columns are renamed and extended right after reading ({@code source.rename}, {@code source.derive}),
 * so every later step — sampling, the contract, cleaning, features, the step tables — sees the shaped columns.
 *
 * <p>Renaming gives columns names Delta and SQL accept ({@code "Beak Length (mm)"} → {@code beak_length_mm}); a derived
 * column is a Spark SQL expression over the renamed columns of the same row, typically the label
 * ({@code delayed = "cast(delay > 15 as int)"}). Both are part of the config, hence of the lineage, and the probe
 * reports the shaped column names so a config naming them is checked before any work. A time window on a renamed
 * column is pushed to the source under its original name; a derived column cannot carry a window.
 */
public final class ShapedSource implements Source {

  private final Source source;
  private final Map<String, String> rename;
  private final Map<String, String> derive;

  /**
   * @param rename source column name → new name
   * @param derive new column name → Spark SQL expression, in order (one may use those before it)
   */
  public ShapedSource(Source source, Map<String, String> rename, Map<String, String> derive) {
    this.source = source;
    this.rename = Map.copyOf(rename);
    this.derive = new LinkedHashMap<>(derive);
  }

  /** {@code source} shaped by the maps, or {@code source} itself when both are empty. */
  public static Source of(Source source, Map<String, String> rename, Map<String, String> derive) {
    return rename.isEmpty() && derive.isEmpty() ? source : new ShapedSource(source, rename, derive);
  }

  @Override
  public String uri() {
    return source.uri();
  }

  @Override
  public String format() {
    return source.format();
  }

  @Override
  public Probe probe(Configuration hadoopConf) {
    Probe probe = source.probe(hadoopConf);
    return new Probe(probe.exists(), probe.columns().map(this::shaped));
  }

  private List<String> shaped(List<String> columns) {
    List<String> names = new ArrayList<>(columns.stream().map(c -> rename.getOrDefault(c, c)).toList());
    derive.keySet().stream().filter(c -> !names.contains(c)).forEach(names::add);
    return names;
  }

  @Override
  public SourceSnapshot read(SparkSession spark, ReadRequest request) {
    SourceSnapshot snapshot = source.read(spark, toSource(request));
    return new SourceSnapshot(shape(snapshot.rows()), snapshot.uri(), snapshot.format(), snapshot.version(),
        snapshot.pushdown());
  }

  @Override
  public Map<String, Long> countRows(SparkSession spark, Optional<TimeWindow> window, Optional<String> groupBy) {
    if (groupBy.isPresent() && derive.containsKey(groupBy.get())) {
      return Source.super.countRows(spark, window, groupBy);
    }
    return source.countRows(spark, window.map(this::toSource), groupBy.map(this::originalName));
  }

  private ReadRequest toSource(ReadRequest request) {
    return new ReadRequest(request.fraction(), request.seed(), request.window().map(this::toSource),
        request.blocks());
  }

  private TimeWindow toSource(TimeWindow window) {
    if (derive.containsKey(window.column())) {
      throw new dev.kiln.errors.InvalidInputException("the time window's column '" + window.column()
          + "' is derived (source.derive); a window needs a column the source has");
    }
    return new TimeWindow(originalName(window.column()), window.start(), window.end());
  }

  private String originalName(String column) {
    return rename.entrySet().stream().filter(e -> e.getValue().equals(column)).map(Map.Entry::getKey).findFirst()
        .orElse(column);
  }

  /** The rows with renamed columns (bookkeeping columns untouched) and the derived ones appended. */
  public Dataset<Row> shape(Dataset<Row> rows) {
    List<String> absent = rename.keySet().stream().filter(c -> !List.of(rows.columns()).contains(c)).toList();
    if (!absent.isEmpty()) {
      throw new dev.kiln.errors.InvalidInputException("source.rename names " + absent + ", which " + uri()
          + " does not have (its columns: " + String.join(", ", Source.dataColumns(rows)) + ")");
    }
    List<Column> columns = new ArrayList<>();
    for (String name : rows.columns()) {
      columns.add(col("`" + name + "`").as(rename.getOrDefault(name, name)));
    }
    Dataset<Row> shaped = rows.select(columns.toArray(Column[]::new));
    for (Map.Entry<String, String> derived : derive.entrySet()) {
      try {
        shaped = shaped.withColumn(derived.getKey(), expr(derived.getValue()));
      } catch (Exception e) {
        if (!(e instanceof org.apache.spark.sql.AnalysisException analysis)) {
          throw e;
        }
        throw new dev.kiln.errors.InvalidInputException("source.derive." + derived.getKey() + " = \""
            + derived.getValue() + "\" does not apply to " + uri() + ": " + analysis.getSimpleMessage());
      }
    }
    return shaped;
  }
}

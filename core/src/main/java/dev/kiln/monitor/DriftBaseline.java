package dev.kiln.monitor;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.monitor.BucketScan.Cell;
import dev.kiln.monitor.BucketScan.Target;
import dev.kiln.registry.ModelVersion;
import dev.kiln.report.ReportFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

/**
 * The reference distributions a model version is monitored against, recorded when it is trained and saved beside
 * its model as {@code <run dir>/baseline.json} ({@link #location}):
 *
 * <ul>
 *   <li>each input column of the signature, over the training split: numeric columns in buckets between the
 *       quantiles at every percentile (which also give the PSI bins), categorical ones (strings, booleans, and
 *       columns listed in {@code features.categorical}) by their {@code topValues} most frequent values and
 *       "other"; with the share of missing values. Dates, timestamps and other types are listed as unmonitored;</li>
 *   <li>the model's predictions on the held-out split: their classes (classification) or bins (regression), and a
 *       binary classifier's positive-class probability in bins.</li>
 * </ul>
 *
 * <p>{@link #compute} takes two Spark jobs whatever the number of columns: one aggregation for the quantiles, one
 * grouped aggregation for the counts (see {@link BucketScan}); the training and held-out rows are read together in
 * each.
 *
 * @param task {@code binary}, {@code multiclass} or {@code regression}
 * @param createdAt when it was computed, ISO-8601
 * @param bins the PSI bins per numeric column asked for (fewer where quantiles coincide)
 * @param topValues the values per categorical column with a bucket of their own, at most
 * @param inputs the monitored input columns, in the signature's order
 * @param prediction the held-out predictions: categorical (classes, as text) or numeric (regression)
 * @param probability a binary classifier's held-out positive-class probability, numeric
 * @param unmonitored input columns of a type drift is not measured for (dates, timestamps, ...)
 */
public record DriftBaseline(String task, String createdAt, int bins, int topValues, List<ColumnBaseline> inputs,
    ColumnBaseline prediction, Optional<ColumnBaseline> probability, List<String> unmonitored) {

  /** The version of the file's format; a reader refuses others. */
  public static final int FORMAT = 1;

  /** The file beside a version's model directory. */
  public static final String FILE_NAME = "baseline.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  public DriftBaseline {
    inputs = List.copyOf(inputs);
    unmonitored = List.copyOf(unmonitored);
  }

  /** The shape of a baseline: how many PSI bins per numeric column and named values per categorical one. */
  public record Options(int bins, int topValues) {
    public Options {
      if (bins < 2 || topValues < 1) {
        throw new IllegalArgumentException("at least 2 bins and 1 top value: " + bins + ", " + topValues);
      }
    }
  }

  /** The training split's row count (the rows counted for each input). */
  public long trainingRows() {
    return inputs.isEmpty() ? 0 : inputs.get(0).counts().rows();
  }

  /** The held-out split's row count. */
  public long heldOutRows() {
    return prediction.counts().rows();
  }

  /** The input column {@code name}'s baseline. */
  public Optional<ColumnBaseline> input(String name) {
    return inputs.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /**
   * Computes the baseline of a fitted model.
   *
   * @param training the rows the model was fitted on (the training split)
   * @param inputs the signature's input columns, as {@code training} types them
   * @param categorical columns counted by value even when numeric ({@code features.categorical})
   * @param heldOut the model's output on the held-out split: {@code prediction}, and {@code probability} (a vector)
   *     for probabilistic classifiers
   */
  public static DriftBaseline compute(Dataset<Row> training, List<StructField> inputs, Set<String> categorical,
      Dataset<Row> heldOut, String task, Options options) {
    List<StructField> monitored = new ArrayList<>();
    List<String> unmonitored = new ArrayList<>();
    for (StructField field : inputs) {
      if (kindOf(field.dataType(), categorical.contains(field.name())).isPresent()) {
        monitored.add(field);
      } else {
        unmonitored.add(field.name());
      }
    }

    // Training rows (side 0) and held-out predictions (side 1) in one frame, so each pass reads both.
    boolean classification = !"regression".equals(task);
    boolean positive = "binary".equals(task) && java.util.Arrays.asList(heldOut.columns()).contains("probability");
    List<Column> trainingSide = new ArrayList<>();
    List<Column> heldOutSide = new ArrayList<>();
    for (int i = 0; i < monitored.size(); i++) {
      StructField field = monitored.get(i);
      trainingSide.add(col(RecentData.quoted(field.name())).as(inputAlias(i)));
      heldOutSide.add(lit(null).cast(field.dataType()).as(inputAlias(i)));
    }
    trainingSide.add(lit(null).cast("double").as("_prediction"));
    heldOutSide.add(col("prediction").cast("double").as("_prediction"));
    trainingSide.add(lit(null).cast("double").as("_positive"));
    heldOutSide.add((positive ? org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64")
        .getItem(1) : lit(null).cast("double")).as("_positive"));
    trainingSide.add(lit(0).as("_side"));
    heldOutSide.add(lit(1).as("_side"));
    Dataset<Row> both = training.select(trainingSide.toArray(Column[]::new))
        .union(heldOut.select(heldOutSide.toArray(Column[]::new)));

    Column trainingRow = col("_side").equalTo(0);
    Column heldOutRow = col("_side").equalTo(1);
    List<Target> targets = new ArrayList<>();
    for (int i = 0; i < monitored.size(); i++) {
      StructField field = monitored.get(i);
      Buckets.Kind kind = kindOf(field.dataType(), categorical.contains(field.name())).orElseThrow();
      targets.add(target(field.name(), kind, trainingRow, col(inputAlias(i)), field.dataType()));
    }
    targets.add(target(PREDICTION, classification ? Buckets.Kind.CATEGORICAL : Buckets.Kind.NUMERIC, heldOutRow,
        col("_prediction"), DataTypes.DoubleType));
    if (positive) {
      targets.add(target(PROBABILITY, Buckets.Kind.NUMERIC, heldOutRow, col("_positive"), DataTypes.DoubleType));
    }

    List<Target> numeric = targets.stream().filter(t -> t.kind() == Buckets.Kind.NUMERIC).toList();
    List<List<Double>> quantiles = BucketScan.quantiles(both, numeric, BucketScan.quantileGrid(options.bins()));
    List<Buckets> buckets = new ArrayList<>();
    for (Target target : targets) {
      buckets.add(target.kind() == Buckets.Kind.NUMERIC
          ? BucketScan.numericBuckets(quantiles.get(numeric.indexOf(target)), options.bins()) : null);
    }
    List<Cell> cells = BucketScan.count(both, lit(null).cast("date"), targets, buckets, options.topValues());

    List<ColumnBaseline> columns = new ArrayList<>();
    for (int t = 0; t < targets.size(); t++) {
      Buckets b = buckets.get(t) != null ? buckets.get(t) : Buckets.categorical(BucketScan.namedValues(cells, t));
      BucketCounts counts = BucketScan.states(cells, t, b).getOrDefault(BucketScan.UNDATED,
          BucketCounts.empty(b.size()));
      columns.add(new ColumnBaseline(targets.get(t).name(), b, counts));
    }
    return new DriftBaseline(task, Instant.now().toString(), options.bins(), options.topValues(),
        columns.subList(0, monitored.size()), columns.get(monitored.size()),
        positive ? Optional.of(columns.get(monitored.size() + 1)) : Optional.empty(), unmonitored);
  }

  /** The name of the predictions' baseline, and of their checks. */
  public static final String PREDICTION = "prediction";

  /** The name of the positive-class probability's baseline, and of its checks. */
  public static final String PROBABILITY = "probability";

  /**
   * How drift treats a column of {@code type}: numeric types by value ranges (unless {@code categorical}), strings
   * and booleans by value; empty for the types it does not measure (dates, timestamps, binary, complex types).
   */
  static Optional<Buckets.Kind> kindOf(DataType type, boolean categorical) {
    if (type instanceof NumericType) {
      return Optional.of(categorical ? Buckets.Kind.CATEGORICAL : Buckets.Kind.NUMERIC);
    }
    if (type instanceof StringType || type instanceof BooleanType) {
      return Optional.of(Buckets.Kind.CATEGORICAL);
    }
    return Optional.empty();
  }

  /** A column to count: numeric values as finite doubles, the others as text. */
  static Target target(String name, Buckets.Kind kind, Column present, Column value, DataType type) {
    return new Target(name, kind, present, kind == Buckets.Kind.NUMERIC ? BucketScan.finite(value, type)
        : value.cast("string"));
  }

  static String inputAlias(int index) {
    return "_i" + index;
  }


  // ------------------------------------------------------------------------------------------ the file

  /** Where the baseline of the version whose model is at {@code artifactUri} lives: beside it. */
  public static String location(String artifactUri) {
    return new Path(new Path(artifactUri).getParent(), FILE_NAME).toString();
  }

  /** Writes this baseline to {@code location} atomically (a reader sees the whole file or none). */
  public void save(String location, Configuration hadoopConf) {
    try {
      ReportFile.write(location, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()), hadoopConf,
          "the drift baseline");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a tree of numbers and text always renders", e);
    }
  }

  /**
   * The baseline saved with {@code version}.
   *
   * @throws InvalidInputException naming the version when it has none (it was registered before Kiln recorded
   *     baselines: retrain it) or the file cannot be read
   */
  public static DriftBaseline load(ModelVersion version, Configuration hadoopConf) {
    String location = location(version.artifactUri());
    Path path = new Path(location);
    String text;
    try (InputStream in = path.getFileSystem(hadoopConf).open(path)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (FileNotFoundException e) {
      throw new InvalidInputException("model " + version.ref() + " has no drift baseline (" + location + "): it "
          + "was registered before Kiln recorded one with each version; retrain it (kiln run or kiln train) to "
          + "monitor it", e);
    } catch (IOException e) {
      throw new InvalidInputException("the drift baseline of model " + version.ref() + " (" + location
          + ") cannot be read: " + e.getMessage(), e);
    }
    try {
      return fromJson(JSON.readTree(text));
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException("the drift baseline of model " + version.ref() + " (" + location
          + ") is not a baseline Kiln can read: " + e.getMessage(), e);
    }
  }

  public ObjectNode toJson() {
    ObjectNode node = JSON.createObjectNode().put("format", FORMAT).put("task", task).put("created_at", createdAt)
        .put("bins", bins).put("top_values", topValues);
    ArrayNode columns = node.putArray("inputs");
    inputs.forEach(c -> columns.add(columnJson(c)));
    node.set("prediction", columnJson(prediction));
    probability.ifPresent(p -> node.set("probability", columnJson(p)));
    ArrayNode skipped = node.putArray("unmonitored");
    unmonitored.forEach(skipped::add);
    return node;
  }

  /** @throws IllegalArgumentException when the JSON is not a baseline of this format */
  public static DriftBaseline fromJson(JsonNode node) {
    int format = node.path("format").asInt(-1);
    if (format != FORMAT) {
      throw new IllegalArgumentException("format " + node.path("format") + ", not " + FORMAT);
    }
    List<ColumnBaseline> inputs = new ArrayList<>();
    node.path("inputs").forEach(c -> inputs.add(columnFromJson(c)));
    List<String> unmonitored = new ArrayList<>();
    node.path("unmonitored").forEach(n -> unmonitored.add(n.asText()));
    return new DriftBaseline(required(node, "task").asText(), required(node, "created_at").asText(),
        required(node, "bins").asInt(), required(node, "top_values").asInt(), inputs,
        columnFromJson(required(node, "prediction")),
        node.has("probability") ? Optional.of(columnFromJson(node.get("probability"))) : Optional.empty(),
        unmonitored);
  }

  private static ObjectNode columnJson(ColumnBaseline column) {
    Buckets b = column.buckets();
    BucketCounts c = column.counts();
    ObjectNode node = JSON.createObjectNode().put("name", column.name())
        .put("kind", b.kind().name().toLowerCase(java.util.Locale.ROOT)).put("rows", c.rows())
        .put("missing", c.missing());
    if (b.numeric()) {
      b.edges().forEach(node.putArray("edges")::add);
      b.binEdges().forEach(node.putArray("bin_edges")::add);
    } else {
      b.values().forEach(node.putArray("values")::add);
    }
    c.counts().forEach(node.putArray("counts")::add);
    return node;
  }

  private static ColumnBaseline columnFromJson(JsonNode node) {
    String kind = required(node, "kind").asText();
    Buckets buckets;
    if ("numeric".equals(kind)) {
      buckets = Buckets.numeric(doubles(node.path("edges")), doubles(node.path("bin_edges")));
    } else if ("categorical".equals(kind)) {
      List<String> values = new ArrayList<>();
      node.path("values").forEach(v -> values.add(v.asText()));
      buckets = Buckets.categorical(values);
    } else {
      throw new IllegalArgumentException("column kind '" + kind + "'");
    }
    List<Long> counts = new ArrayList<>();
    node.path("counts").forEach(n -> counts.add(n.asLong()));
    Map<String, Long> none = new LinkedHashMap<>();
    return new ColumnBaseline(required(node, "name").asText(), buckets,
        new BucketCounts(required(node, "rows").asLong(), required(node, "missing").asLong(), counts, none));
  }

  private static List<Double> doubles(JsonNode array) {
    List<Double> values = new ArrayList<>();
    array.forEach(n -> values.add(n.asDouble()));
    return values;
  }

  private static JsonNode required(JsonNode node, String field) {
    if (!node.has(field)) {
      throw new IllegalArgumentException("no '" + field + "'");
    }
    return node.get(field);
  }
}

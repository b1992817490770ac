package dev.kiln.monitor;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.row_number;

import dev.kiln.config.HadoopPaths;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.errors.JobFailedException;
import dev.kiln.registry.ModelRef;
import io.delta.tables.DeltaTable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Merges a model's prediction log ({@link AvroPredictionLog}'s files under {@code <root>/<model>/}) into a Delta
 * table, exactly once however often it runs.
 *
 * <h2>The table</h2>
 * <p>{@code request_id, time, model, model_version, latency_micros, inputs struct<...>, outputs struct<prediction,
 * probability, predicted_label>, date, source_file, ingested_at}, partitioned by {@code date} (the UTC date of
 * {@code time}). {@code source_file} is the log file a row came from, relative to the model's log directory
 * ({@code version=3/date=2026-11-22/part-...avro}). {@code inputs} holds the fields of every version ingested so far:
 * a version whose signature adds an input adds a field (schema evolution); versions without it hold null there.
 *
 * <h2>Exactly once</h2>
 * <ul>
 *   <li>Files whose name is already a {@code source_file} of the table are skipped without being read.</li>
 *   <li>The rest are read and merged in one Delta MERGE that inserts only rows whose {@code request_id} (on the same
 *       {@code date}) is not in the table; a request found twice among the files read keeps one row (from the first
 *       file by name). So a copy of a file under another name inserts nothing, and neither does a re-run.</li>
 *   <li>The MERGE is one atomic commit: a run that dies before it changed nothing, one that dies after it left
 *       everything done, and the next run goes on from there. Two runs at once: the second to commit fails with
 *       Delta's concurrent-append conflict; run it again.</li>
 * </ul>
 * A file none of whose rows is new (a copy, or a run that read it together with its original) never becomes a
 * {@code source_file}, so later runs read it again and insert nothing from it: correct, only not free.
 */
public final class PredictionIngest {

  /**
   * What one run did.
   *
   * @param table the Delta table
   * @param filesRead log files read (new since the last run)
   * @param filesSkipped log files skipped because the table already has them
   * @param rowsRead records in the files read
   * @param inserted rows added to the table
   * @param alreadyPresent records read that were not added: their request was in the table, or in another file
   *     of this run
   */
  public record Result(String table, long filesRead, long filesSkipped, long rowsRead, long inserted,
      long alreadyPresent) {}

  private static final Pattern VERSION_DIR = Pattern.compile("version=(\\d+)");
  private static final Pattern DATE_DIR = Pattern.compile("date=\\d{4}-\\d{2}-\\d{2}");
  private static final long MICROS_PER_DAY = 86_400_000_000L;

  private final SparkSession spark;

  public PredictionIngest(SparkSession spark) {
    this.spark = spark;
  }

  /** {@code <warehouse>/predictions/<model>}. */
  public static String defaultTable(String warehouse, String model) {
    ModelRef.validateName(model);
    return HadoopPaths.child(HadoopPaths.child(HadoopPaths.qualify(warehouse), "predictions"), model);
  }

  /**
   * Ingests the log files of {@code model} under {@code logRoot} that {@code table} does not have yet.
   *
   * @param logRoot the root an {@link AvroPredictionLog} was given (a local path or Hadoop URI)
   * @param table the Delta table (a local path or Hadoop URI), created on first use
   * @throws InvalidInputException if the model name is invalid, the root or the model's directory does not exist,
   *     or two versions give one input different types
   */
  public Result ingest(String logRoot, String model, String table) {
    ModelRef.validateName(model);
    String tableUri = HadoopPaths.qualify(table);
    Path root = new Path(HadoopPaths.qualify(logRoot));
    Path modelDir = new Path(root, model);
    List<LogFile> listed = list(root, modelDir);

    Set<String> ingested = ingestedFiles(tableUri, listed);
    List<LogFile> fresh = listed.stream().filter(f -> !ingested.contains(f.relative())).toList();
    long skipped = listed.size() - fresh.size();
    if (fresh.isEmpty()) {
      return new Result(tableUri, 0, skipped, 0, 0, 0);
    }

    try {
      return ingest(fresh, skipped, tableUri);
    } catch (Exception e) { // Scala's AnalysisException is checked in Java's eyes
      throw readable(e, fresh.size(), modelDir, tableUri);
    }
  }

  private Result ingest(List<LogFile> fresh, long skipped, String tableUri) {
    Dataset<Row> rows = spark.read().format("avro").option("avroSchema", mergedSchema(fresh).toString())
        .load(fresh.stream().map(LogFile::uri).toArray(String[]::new))
        .withColumn("date", expr("date_from_unix_date(CAST(floor(unix_micros(time) / " + MICROS_PER_DAY
            + ") AS INT))"))
        // The same three path segments the listing compares: independent of how the root was spelled.
        .withColumn("source_file", regexp_extract(col("_metadata.file_path"), "([^/]+/[^/]+/[^/]+)$", 1))
        .withColumn("ingested_at", current_timestamp());
    long read = rows.count();
    Dataset<Row> firstOfEachRequest = rows
        .withColumn("_kiln_copy", row_number().over(Window.partitionBy("request_id").orderBy("source_file")))
        .where(col("_kiln_copy").equalTo(1)).drop("_kiln_copy");

    ensureTable(tableUri, firstOfEachRequest);
    long inserted = merge(tableUri, firstOfEachRequest, fresh);
    return new Result(tableUri, fresh.size(), skipped, read, inserted, read - inserted);
  }

  /**
   * A failure as one line: a table the files do not fit (Spark's analysis) is an input error naming the table; a
   * file Spark could not read is named (its messages bury it under each task's stack), with the root cause.
   */
  private static RuntimeException readable(Exception failure, int files, Path modelDir, String table) {
    if (failure instanceof dev.kiln.errors.KilnException kiln) {
      return kiln;
    }
    if (failure instanceof org.apache.spark.sql.AnalysisException analysis) {
      return new InvalidInputException("the prediction log " + modelDir + " does not fit the table " + table + ": "
          + analysis.getSimpleMessage(), analysis);
    }
    String file = null;
    Throwable root = failure;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      int at = message.indexOf("Encountered error while reading file ");
      if (file == null && at >= 0) {
        String rest = message.substring(at + "Encountered error while reading file ".length());
        file = rest.substring(0, Math.max(0, rest.indexOf(". Details")));
      }
      root = t;
    }
    return new JobFailedException("could not ingest " + files + " prediction log files of " + modelDir + " into "
        + table + (file != null && !file.isEmpty() ? ": cannot read " + file : "") + ": "
        + root.getClass().getSimpleName() + ": " + root.getMessage(), failure);
  }

  // ------------------------------------------------------------------------------------------ the log's files

  /** One complete log file: {@code relative} is {@code version=<n>/date=<d>/<name>}. */
  private record LogFile(String uri, String relative, long version, String date) {}

  private List<LogFile> list(Path root, Path modelDir) {
    try {
      FileSystem fs = modelDir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(root)) {
        throw new InvalidInputException("there is no prediction log at " + root);
      }
      if (!fs.exists(modelDir)) {
        Set<String> models = new TreeSet<>();
        for (FileStatus status : fs.listStatus(root)) {
          if (status.isDirectory() && !hidden(status.getPath().getName())) {
            models.add(status.getPath().getName());
          }
        }
        throw new InvalidInputException("the prediction log " + root + " has no predictions of model '"
            + modelDir.getName() + "' (" + (models.isEmpty() ? "it has none yet" : "it has " + String.join(", ",
            models)) + ")");
      }
      String base = fs.makeQualified(modelDir).toUri().getRawPath();
      List<LogFile> files = new ArrayList<>();
      RemoteIterator<LocatedFileStatus> all = fs.listFiles(modelDir, true);
      while (all.hasNext()) {
        Path path = all.next().getPath();
        String full = path.toUri().getRawPath();
        if (!full.startsWith(base + "/")) {
          continue;
        }
        String[] parts = full.substring(base.length() + 1).split("/");
        if (parts.length == 3 && VERSION_DIR.matcher(parts[0]).matches() && DATE_DIR.matcher(parts[1]).matches()
            && parts[2].endsWith(".avro") && !hidden(parts[2])) {
          files.add(new LogFile(path.toString(), String.join("/", parts), Long.parseLong(parts[0].substring(8)),
              parts[1].substring(5)));
        }
      }
      files.sort((a, b) -> a.relative().compareTo(b.relative()));
      return files;
    } catch (IOException e) {
      throw new InvalidInputException("cannot list the prediction log " + modelDir + ": " + e.getMessage(), e);
    }
  }

  /** Names Spark, Hadoop and the log itself keep out of sight: in-progress files, checksums, markers. */
  private static boolean hidden(String name) {
    return name.startsWith("_") || name.startsWith(".");
  }

  /** The {@code source_file}s the table has on the dates of the listed files (its partitions: a pruned scan). */
  private Set<String> ingestedFiles(String table, List<LogFile> listed) {
    if (listed.isEmpty() || !DeltaTable.isDeltaTable(spark, table)) {
      return Set.of();
    }
    String dates = listed.stream().map(LogFile::date).distinct().map(d -> "DATE'" + d + "'")
        .collect(Collectors.joining(", "));
    return spark.read().format("delta").load(table).where("date IN (" + dates + ")").select("source_file")
        .distinct().collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toCollection(HashSet::new));
  }

  /**
   * One reader schema for every version among the files: each version's inputs, in order of first appearance. The
   * files of one version share its schema, so one header per version is read. Avro's schema resolution then gives
   * a version without an input null there.
   */
  private Schema mergedSchema(List<LogFile> files) {
    Map<Long, LogFile> onePerVersion = new TreeMap<>();
    files.forEach(f -> onePerVersion.putIfAbsent(f.version(), f));
    Schema first = null;
    Map<String, Schema.Field> inputs = new LinkedHashMap<>();
    Map<String, Long> introducedBy = new LinkedHashMap<>();
    for (Map.Entry<Long, LogFile> entry : onePerVersion.entrySet()) {
      Schema schema = header(entry.getValue());
      first = first == null ? schema : first;
      for (Schema.Field field : schema.getField("inputs").schema().getFields()) {
        Schema.Field earlier = inputs.putIfAbsent(field.name(), field);
        introducedBy.putIfAbsent(field.name(), entry.getKey());
        if (earlier != null && !earlier.schema().equals(field.schema())) {
          throw new InvalidInputException("input '" + field.name() + "' is " + earlier.schema() + " in version "
              + introducedBy.get(field.name()) + " but " + field.schema() + " in version " + entry.getKey()
              + " (" + entry.getValue().uri() + "): ingest these versions into separate tables (--table)");
        }
      }
    }
    SchemaBuilder.FieldAssembler<Schema> in = SchemaBuilder.record("Inputs").namespace(PredictionSchema.NAMESPACE)
        .fields();
    for (Schema.Field field : inputs.values()) {
      in = in.name(field.name()).type(field.schema()).withDefault(null);
    }
    List<Schema.Field> top = new ArrayList<>();
    for (Schema.Field field : first.getFields()) {
      top.add(new Schema.Field(field.name(), field.name().equals("inputs") ? in.endRecord() : field.schema()));
    }
    return Schema.createRecord(first.getName(), null, first.getNamespace(), false, top);
  }

  private Schema header(LogFile file) {
    Path path = new Path(file.uri());
    try (InputStream in = path.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(path);
        DataFileStream<GenericRecord> avro = new DataFileStream<>(in, new GenericDatumReader<>())) {
      Schema schema = avro.getSchema();
      if (schema.getField("inputs") == null || schema.getField("request_id") == null) {
        throw new InvalidInputException(file.uri() + " is not a prediction log file: its schema has no "
            + "request_id and inputs");
      }
      return schema;
    } catch (FileNotFoundException e) {
      throw new JobFailedException(file.uri() + " disappeared while it was being ingested", e);
    } catch (IOException e) {
      throw new InvalidInputException("cannot read the Avro header of " + file.uri() + ": " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------------------------------ the table

  /**
   * Creates the table on first use; otherwise checks that every column the files share with it has its type. New
   * columns are welcome (schema evolution), but a MERGE would silently cast a changed one (a double input stored
   * into an int column loses its fraction).
   */
  private void ensureTable(String table, Dataset<Row> rows) {
    if (!DeltaTable.isDeltaTable(spark, table)) {
      DeltaTable.createIfNotExists(spark).location(table).addColumns(rows.schema()).partitionedBy("date")
          .execute();
      return;
    }
    String conflict = conflict("", spark.read().format("delta").load(table).schema(), rows.schema());
    if (conflict != null) {
      throw new InvalidInputException("the prediction log does not fit the table " + table + ": " + conflict
          + "; ingest the new version into another table (--table)");
    }
  }

  /** The first column whose type differs between the table and the files, ignoring nullability; null if none. */
  private static String conflict(String path, DataType table, DataType files) {
    if (table instanceof StructType tableStruct && files instanceof StructType filesStruct) {
      for (StructField field : filesStruct.fields()) {
        for (StructField existing : tableStruct.fields()) {
          if (existing.name().equalsIgnoreCase(field.name())) {
            String inner = conflict(path + field.name() + ".", existing.dataType(), field.dataType());
            if (inner != null) {
              return inner;
            }
          }
        }
      }
      return null;
    } else if (table instanceof ArrayType tableArray && files instanceof ArrayType filesArray) {
      return conflict(path, tableArray.elementType(), filesArray.elementType());
    }
    return table.equals(files) ? null : "column '" + path.substring(0, Math.max(0, path.length() - 1)) + "' is "
        + table.simpleString() + " in the table but " + files.simpleString() + " in the log";
  }

  /** Inserts the requests the table does not have, in one commit; returns how many rows it inserted. */
  private long merge(String table, Dataset<Row> rows, List<LogFile> files) {
    String dates = files.stream().map(LogFile::date).distinct().map(d -> "DATE'" + d + "'")
        .collect(Collectors.joining(", "));
    String commit = "{\"kiln\": \"ingest-predictions\", \"run\": \"" + UUID.randomUUID() + "\", \"files\": "
        + files.size() + "}";
    long before = latestVersion(table);
    String key = "spark.databricks.delta.commitInfo.userMetadata";
    String previous = spark.conf().contains(key) ? spark.conf().get(key) : null;
    spark.conf().set(key, commit); // a MERGE takes its commit's userMetadata only from the session
    try {
      DeltaTable.forPath(spark, table).as("t")
          // The literal dates let Delta prune the target to the partitions these files can match.
          .merge(rows.as("s"), "t.request_id = s.request_id AND t.date = s.date AND t.date IN (" + dates + ")")
          .whenNotMatched().insertAll()
          .withSchemaEvolution()
          .execute();
    } finally {
      if (previous == null) {
        spark.conf().unset(key);
      } else {
        spark.conf().set(key, previous);
      }
    }
    // Our commit is among those after `before`; Delta makes none when a MERGE changes nothing.
    long after = latestVersion(table);
    List<Row> ours = after == before ? List.of() : DeltaTable.forPath(spark, table).history((int) (after - before))
        .where(col("userMetadata").equalTo(commit)).select("operationMetrics").collectAsList();
    return ours.isEmpty() ? 0 : Long.parseLong(ours.get(0).<String, String>getJavaMap(0)
        .getOrDefault("numTargetRowsInserted", "0"));
  }

  private long latestVersion(String table) {
    return DeltaTable.forPath(spark, table).history(1).select("version").head().getLong(0);
  }
}

package dev.kiln.source;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.errors.InvalidInputException;
import io.delta.tables.DeltaTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.delta.DeltaLog;
import scala.Option;
import scala.collection.JavaConverters;
import org.apache.spark.sql.SparkSession;

/**
 * A Delta table, read at a given version or at its latest, and pinned to the version read, so the recorded version
 * is the one read.
 */
public final class DeltaSource implements Source {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final String uri;
  private final Optional<Long> version;
  private final Optional<java.time.Instant> timestamp;
  private final Optional<Long> after;

  public DeltaSource(String uri) {
    this(uri, Optional.empty());
  }

  public DeltaSource(String uri, Optional<Long> version) {
    this(uri, version, Optional.empty());
  }

  /**
   * @param version the version to read, or
   * @param timestamp the instant whose current version to read (the newest committed at or before it)
   */
  public DeltaSource(String uri, Optional<Long> version, Optional<java.time.Instant> timestamp) {
    this(uri, version, timestamp, Optional.empty());
  }

  private DeltaSource(String uri, Optional<Long> version, Optional<java.time.Instant> timestamp,
      Optional<Long> after) {
    this.uri = uri;
    this.version = version;
    this.timestamp = timestamp;
    this.after = after;
  }

  /**
   * This source, reading only the rows that arrived after {@code version}: the rows of the version read that the
   * table did not hold at {@code version} (a multiset difference, so it holds for appends, updates and rewrites
   * alike; it costs a shuffle of both versions).
   */
  public DeltaSource after(Optional<Long> version) {
    return new DeltaSource(uri, this.version, timestamp, version);
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public String format() {
    return "delta";
  }

  @Override
  public Probe probe(Configuration hadoopConf) {
    try {
      Path log = new Path(uri, "_delta_log");
      FileSystem fs = log.getFileSystem(hadoopConf);
      if (!fs.exists(log)) {
        return new Probe(false, Optional.empty());
      }
      return new Probe(true, latestSchemaColumns(fs, log));
    } catch (IOException e) {
      throw new InvalidInputException("cannot read the Delta log of " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * The pinned (or latest) version. With blocks, only the chosen files of that version's snapshot, read as Parquet
   * with the table's schema; tables whose files Parquet cannot read alone (deletion vectors, column mapping) are
   * read whole and the sample is taken in Spark, and the pushdown says why.
   */
  @Override
  public SourceSnapshot read(SparkSession spark, ReadRequest request) {
    long latest = latestVersion(spark, uri);
    long read = version.orElseGet(() -> timestamp.map(t -> versionAt(spark, t)).orElse(latest));
    if (read > latest) {
      throw new InvalidInputException("the Delta table " + uri + " has no version " + read + " (latest: " + latest
          + ")");
    }
    Dataset<Row> rows;
    try {
      rows = spark.read().format("delta").option("versionAsOf", read).load(uri);
    } catch (Exception e) {  // Delta reports versions removed by log cleanup or VACUUM as an AnalysisException
      throw new InvalidInputException("cannot read version " + read + " of the Delta table " + uri + ": "
          + e.getMessage().split("\n")[0], e);
    }
    Pushdown pushdown = Pushdown.none(request.samples() ? "rows sampled in Spark after reading every file"
        : "read in full");
    if (after.isPresent()) {
      if (after.get() >= read) {
        throw new InvalidInputException("no rows arrived in the Delta table " + uri + " after version " + after.get()
            + ": the version read is " + read);
      }
      Dataset<Row> before = spark.read().format("delta").option("versionAsOf", after.get()).load(uri);
      rows = rows.exceptAll(before.select(Arrays.stream(rows.columns()).map(c -> col("`" + c + "`"))
          .toArray(org.apache.spark.sql.Column[]::new)));
      pushdown = Pushdown.none("the rows of version " + read + " that version " + after.get() + " did not hold"
          + (request.samples() ? ", sampled in Spark" : ""));
    } else if (request.blocks() && request.samples()) {
      Optional<String> obstacle = blockObstacle(spark, read);
      if (obstacle.isPresent()) {
        pushdown = Pushdown.none("block sampling not possible (" + obstacle.get() + "): rows sampled in Spark");
      } else {
        List<String> all = Arrays.stream(rows.inputFiles()).sorted().toList();
        List<String> chosen = FileBlocks.choose(all, qualifiedRoot(spark), request.fraction(), request.seed());
        if (!chosen.isEmpty()) {
          rows = spark.read().schema(rows.schema()).option("basePath", uri).parquet(chosen.toArray(String[]::new));
        }
        pushdown = new Pushdown(Pushdown.FILE_BLOCKS, FileBlocks.appliedFraction(chosen.size(), all.size()), false,
            Optional.empty(), chosen, FileBlocks.describe(chosen.size(), all.size(), request.seed()));
      }
    }
    if (request.window().isPresent()) {
      rows = rows.filter(request.window().get().filter());
    }
    return new SourceSnapshot(rows, uri, "delta", Optional.of(read), pushdown);
  }

  /** Why this version's data files cannot be read as plain Parquet, if they cannot. */
  private Optional<String> blockObstacle(SparkSession spark, long read) {
    Map<String, String> properties = JavaConverters.mapAsJavaMap(
        DeltaLog.forTable(spark, uri).getSnapshotAt(read, Option.empty(), Option.empty()).metadata().configuration());
    String mapping = properties.getOrDefault("delta.columnMapping.mode", "none");
    if (!"none".equals(mapping)) {
      return Optional.of("the table uses column mapping '" + mapping + "'");
    }
    if ("true".equalsIgnoreCase(properties.getOrDefault("delta.enableDeletionVectors", "false"))) {
      return Optional.of("the table may have deletion vectors");
    }
    return Optional.empty();
  }

  private String qualifiedRoot(SparkSession spark) {
    try {
      Path root = new Path(uri);
      return root.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(root).toString();
    } catch (IOException e) {
      throw new InvalidInputException("cannot reach " + uri + ": " + e.getMessage(), e);
    }
  }

  /** The newest version committed at or before {@code instant}, as Delta's own {@code timestampAsOf} picks it. */
  private long versionAt(SparkSession spark, java.time.Instant instant) {
    Row[] found = (Row[]) DeltaTable.forPath(spark, uri).history().select("version")
        .filter(col("timestamp").leq(lit(java.sql.Timestamp.from(instant))))
        .orderBy(col("version").desc()).head(1);
    if (found.length == 0) {
      throw new InvalidInputException("the Delta table " + uri + " has no version at or before " + instant
          + " (source.timestamp): its history starts later");
    }
    return found[0].getLong(0);
  }

  /** The newest committed version of the Delta table at {@code uri}. */
  public static long latestVersion(SparkSession spark, String uri) {
    Row last = DeltaTable.forPath(spark, uri).history(1).select("version").head();
    return last.getLong(0);
  }

  /**
   * Column names from the newest commit that carries a metaData action. Tables whose early commits were cleaned up
   * after a checkpoint may have none left in JSON; the columns are then unknown here and checked by Spark later.
   */
  private static Optional<List<String>> latestSchemaColumns(FileSystem fs, Path log) throws IOException {
    FileStatus[] commits = fs.listStatus(log, p -> p.getName().matches("\\d{20}\\.json"));
    Arrays.sort(commits, Comparator.comparing((FileStatus s) -> s.getPath().getName()).reversed());
    for (FileStatus commit : commits) {
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(fs.open(commit.getPath()), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          JsonNode action = JSON.readTree(line);
          if (action.has("metaData")) {
            JsonNode schema = JSON.readTree(action.get("metaData").get("schemaString").asText());
            List<String> columns = new ArrayList<>();
            schema.get("fields").forEach(field -> columns.add(field.get("name").asText()));
            return Optional.of(columns);
          }
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "delta " + uri;
  }
}

package dev.kiln.source;

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
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A Delta table, read at a given version or at its latest, and pinned to the version read, so the recorded version
 * is the one read.
 */
public final class DeltaSource implements Source {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final String uri;
  private final Optional<Long> version;

  public DeltaSource(String uri) {
    this(uri, Optional.empty());
  }

  public DeltaSource(String uri, Optional<Long> version) {
    this.uri = uri;
    this.version = version;
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

  @Override
  public SourceSnapshot read(SparkSession spark) {
    long latest = latestVersion(spark, uri);
    long read = version.orElse(latest);
    if (read > latest) {
      throw new InvalidInputException("the Delta table " + uri + " has no version " + read + " (latest: " + latest
          + ")");
    }
    try {
      return new SourceSnapshot(spark.read().format("delta").option("versionAsOf", read).load(uri), uri, "delta",
          Optional.of(read));
    } catch (Exception e) {  // Delta reports versions removed by log cleanup or VACUUM as an AnalysisException
      throw new InvalidInputException("cannot read version " + read + " of the Delta table " + uri + ": "
          + e.getMessage().split("\n")[0], e);
    }
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

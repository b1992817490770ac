package dev.kiln.source;

import dev.kiln.errors.InvalidInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Files Spark reads with one of its built-in formats: Parquet, CSV, JSON lines, ORC, Avro. Unversioned.
 *
 * <p>Every row carries the file it came from ({@link Source#FILE_COLUMN}). CSV and JSON read in Spark's PERMISSIVE
 * mode (the default) also carry {@link Source#MALFORMED_COLUMN}: the raw text of a record that did not parse — a CSV
 * line with the wrong number of fields, a value that is not of its column's type, broken JSON — so it can be
 * quarantined rather than silently turned into nulls. With {@code textValues} (a schema contract types the values),
 * CSV and JSON columns are read as text.
 */
public final class FileSource implements Source {

  private final String format;
  private final String uri;
  private final Map<String, String> options;
  private final boolean textValues;

  public FileSource(String format, String uri, Map<String, String> options) {
    this(format, uri, options, false);
  }

  public FileSource(String format, String uri, Map<String, String> options, boolean textValues) {
    this.format = format;
    this.uri = uri;
    this.options = Map.copyOf(options);
    this.textValues = textValues;
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public String format() {
    return format;
  }

  @Override
  public Probe probe(Configuration hadoopConf) {
    try {
      Path path = new Path(uri);
      FileSystem fs = path.getFileSystem(hadoopConf);
      if (!fs.exists(path)) {
        return new Probe(false, Optional.empty());
      }
      Optional<Path> first = firstDataFile(fs, path);
      if (first.isEmpty()) {
        return new Probe(false, Optional.empty());
      }
      return new Probe(true, switch (format) {
        case "parquet" -> Optional.of(parquetColumns(hadoopConf, first.get()));
        case "csv" -> csvHeader(fs, first.get());
        default -> Optional.<List<String>>empty();
      });
    } catch (IOException | RuntimeException e) {
      if (e instanceof dev.kiln.errors.KilnException known) {
        throw known;
      }
      // Parquet's reader says "is not a Parquet file" (a truncated or foreign file) with a RuntimeException.
      throw new InvalidInputException("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * Without blocks, every file through Spark's reader (the window as a filter, which Parquet and ORC push to their
   * row-group statistics). With blocks, only the chosen files, read with the table root as {@code basePath} so
   * partition columns still come from the directory names.
   */
  @Override
  public SourceSnapshot read(SparkSession spark, ReadRequest request) {
    Dataset<Row> rows;
    Pushdown pushdown;
    if (request.blocks() && request.samples()) {
      List<String> all = FileBlocks.dataFiles(spark.sparkContext().hadoopConfiguration(), uri);
      List<String> chosen = FileBlocks.choose(all, uri, request.fraction(), request.seed());
      Optional<String> basePath = !all.equals(List.of(uri)) && !all.isEmpty() ? Optional.of(uri) : Optional.empty();
      rows = load(spark, basePath, chosen.isEmpty() ? new String[] {uri} : chosen.toArray(String[]::new));
      pushdown = new Pushdown(Pushdown.FILE_BLOCKS, FileBlocks.appliedFraction(chosen.size(), all.size()), false,
          Optional.empty(), chosen, FileBlocks.describe(chosen.size(), all.size(), request.seed()));
    } else {
      rows = load(spark, Optional.empty(), uri);
      pushdown = Pushdown.none(request.samples() ? "rows sampled in Spark after reading every file" : "read in full");
    }
    // The file name is taken right above the scan; after a shuffle Spark no longer knows it.
    rows = rows.withColumn(FILE_COLUMN, org.apache.spark.sql.functions.input_file_name());
    if (request.window().isPresent()) {
      rows = rows.filter(request.window().get().filter());
    }
    return new SourceSnapshot(rows, uri, format, Optional.empty(), pushdown);
  }

  /**
   * {@code paths} through Spark's reader with the source's options; for CSV and JSON in PERMISSIVE mode, with an
   * explicit schema that adds the malformed-record column (Spark fills it only when the schema names it). That schema
   * is inferred from the same {@code paths}, so it costs what the user's options already asked for — a look at the
   * header, or a pass when {@code inferSchema} is set — over the chosen files only when sampling blocks.
   */
  private Dataset<Row> load(SparkSession spark, Optional<String> basePath, String... paths) {
    var reader = spark.read().format(format).options(options);
    basePath.ifPresent(base -> reader.option("basePath", base));
    boolean textual = "csv".equals(format) || "json".equals(format);
    String mode = options.getOrDefault("mode", "PERMISSIVE");
    if (!textual || !"PERMISSIVE".equalsIgnoreCase(mode)) {
      return reader.load(paths);
    }
    var inferring = spark.read().format(format).options(options).option("columnNameOfCorruptRecord", MALFORMED_COLUMN);
    basePath.ifPresent(base -> inferring.option("basePath", base));
    if (textValues && "csv".equals(format)) {
      inferring.option("inferSchema", "false");
    }
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType();
    for (org.apache.spark.sql.types.StructField field : inferring.load(paths).schema().fields()) {
      if (!field.name().equals(MALFORMED_COLUMN)) {
        schema = schema.add(field.name(),
            textValues ? org.apache.spark.sql.types.DataTypes.StringType : field.dataType(), true);
      }
    }
    schema = schema.add(MALFORMED_COLUMN, org.apache.spark.sql.types.DataTypes.StringType, true);
    return reader.schema(schema).option("columnNameOfCorruptRecord", MALFORMED_COLUMN).load(paths);
  }

  private static Optional<Path> firstDataFile(FileSystem fs, Path path) throws IOException {
    FileStatus status = fs.getFileStatus(path);
    if (status.isFile()) {
      return Optional.of(path);
    }
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(path, true);
    while (files.hasNext()) {
      Path file = files.next().getPath();
      // Spark and Hadoop hide bookkeeping files behind these prefixes (_SUCCESS, .crc, _delta_log).
      if (!file.getName().startsWith("_") && !file.getName().startsWith(".")
          && !file.toString().contains("/_") && file.getName().length() > 0) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }

  private static List<String> parquetColumns(Configuration conf, Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return reader.getFooter().getFileMetaData().getSchema().getFields().stream().map(Type::getName).toList();
    }
  }

  private Optional<List<String>> csvHeader(FileSystem fs, Path file) throws IOException {
    if (!Boolean.parseBoolean(options.getOrDefault("header", "false"))) {
      return Optional.empty();
    }
    String delimiter = options.getOrDefault("sep", options.getOrDefault("delimiter", ","));
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
      String header = reader.readLine();
      if (header == null) {
        return Optional.of(List.of());
      }
      List<String> columns = new ArrayList<>();
      for (String name : header.split(java.util.regex.Pattern.quote(delimiter), -1)) {
        columns.add(name.strip().replaceAll("^\"|\"$", ""));
      }
      return Optional.of(columns);
    }
  }

  @Override
  public String toString() {
    return format + " " + uri + (options.isEmpty() ? "" : " " + Arrays.toString(options.keySet().toArray()));
  }
}

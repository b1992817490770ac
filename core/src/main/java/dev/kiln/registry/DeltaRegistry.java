package dev.kiln.registry;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;

import dev.kiln.config.HadoopPaths;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.errors.JobFailedException;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ConcurrentModificationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A {@link Registry} kept in Delta tables under a root (any Hadoop path: {@code file:}, {@code hdfs:}, {@code s3a:}):
 * {@code model_versions} (one row per version) and {@code aliases} (one row per alias move), with artifacts under
 * {@code artifacts/<name>/<run id>/}.
 *
 * <p>Version numbers are allocated inside a Delta transaction: a registration reads the highest version of the name
 * and inserts the next one with an insert-only {@code MERGE} on (name, version). Two registrations that race both read
 * the table, so Delta's optimistic concurrency fails the second to commit with a concurrent-append conflict; it then
 * retries with the next number. A registration whose snapshot already holds the number inserts nothing, which the
 * read-back after the MERGE catches; it retries too. Neither is lost, and no number is taken twice. Run ids must be
 * unique per registration.
 */
public final class DeltaRegistry implements Registry {

  public static final StructType VERSIONS_SCHEMA = new StructType()
      .add("name", DataTypes.StringType, false)
      .add("version", DataTypes.LongType, false)
      .add("run_id", DataTypes.StringType, false)
      .add("created_at", DataTypes.TimestampType, false)
      .add("artifact_uri", DataTypes.StringType, false)
      .add("metrics", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), false)
      .add("params", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), false)
      .add("source_uri", DataTypes.StringType, false)
      .add("source_format", DataTypes.StringType, false)
      .add("source_version", DataTypes.LongType, true)
      .add("sample", DataTypes.StringType, false)
      .add("dedup", DataTypes.StringType, false)
      .add("split", DataTypes.StringType, false)
      .add("ledger", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), false)
      .add("config", DataTypes.StringType, false)
      .add("config_hash", DataTypes.StringType, false)
      // Added after the first release of the table: nullable, as Delta requires of added columns.
      .add("signature", DataTypes.StringType, true)
      .add("tags", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), true)
      .add("sample_provenance", DataTypes.StringType, true);

  public static final StructType ALIASES_SCHEMA = new StructType()
      .add("name", DataTypes.StringType, false)
      .add("alias", DataTypes.StringType, false)
      .add("version", DataTypes.LongType, false)
      .add("set_at", DataTypes.TimestampType, false)
      .add("reason", DataTypes.StringType, false);

  public static final StructType RUNS_SCHEMA = new StructType()
      .add("run_id", DataTypes.StringType, false)
      .add("pipeline", DataTypes.StringType, false)
      .add("status", DataTypes.StringType, false)
      .add("started_at", DataTypes.TimestampType, false)
      .add("ended_at", DataTypes.TimestampType, true)
      .add("config_hash", DataTypes.StringType, false)
      .add("model", DataTypes.StringType, true)
      .add("metrics", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), false)
      .add("ledger", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), false)
      .add("error", DataTypes.StringType, true)
      .add("recorded_at", DataTypes.TimestampType, false)
      .add("code_version", DataTypes.StringType, true)
      .add("params", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), true)
      .add("config", DataTypes.StringType, true)
      .add("tags", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), true)
      .add("source", DataTypes.StringType, true);

  public static final StructType PROMOTIONS_SCHEMA = new StructType()
      .add("name", DataTypes.StringType, false)
      .add("alias", DataTypes.StringType, false)
      .add("decided_at", DataTypes.TimestampType, false)
      .add("run_id", DataTypes.StringType, false)
      .add("champion_version", DataTypes.LongType, true)
      .add("challenger_version", DataTypes.LongType, false)
      .add("metric", DataTypes.StringType, false)
      .add("champion_value", DataTypes.DoubleType, true)
      .add("challenger_value", DataTypes.DoubleType, false)
      .add("margin", DataTypes.DoubleType, false)
      .add("promoted", DataTypes.BooleanType, false)
      .add("reasons", DataTypes.createArrayType(DataTypes.StringType, false), false)
      .add("test_rows", DataTypes.LongType, false)
      .add("data", DataTypes.StringType, false);

  /** Attempts before a registration gives up under contention; each retry waits a little longer. */
  private static final int ATTEMPTS = 12;

  private final SparkSession spark;
  private final String root;

  public DeltaRegistry(SparkSession spark, String root) {
    this.spark = spark;
    this.root = root;
  }

  /** The session this registry reads and writes with. */
  public SparkSession spark() {
    return spark;
  }

  public String versionsTable() {
    return HadoopPaths.child(root, "model_versions");
  }

  public String aliasesTable() {
    return HadoopPaths.child(root, "aliases");
  }

  /**
   * A value that changes whenever a version is registered or an alias moves: the latest commit of the versions and
   * aliases tables, read from their Delta logs' file names (one directory listing each, no Spark job). Cheap enough
   * for a service to poll every few seconds, so it asks {@link #resolve} (which runs Spark jobs) only after a change.
   */
  public String changeToken() {
    return latestCommit(versionsTable()) + "/" + latestCommit(aliasesTable());
  }

  private long latestCommit(String table) {
    org.apache.hadoop.fs.Path log = new org.apache.hadoop.fs.Path(table, "_delta_log");
    try {
      org.apache.hadoop.fs.FileSystem fs = log.getFileSystem(spark.sparkContext().hadoopConfiguration());
      long latest = -1;
      for (org.apache.hadoop.fs.FileStatus file : fs.listStatus(log)) {
        String name = file.getPath().getName();
        if (name.matches("\\d{20}\\.json")) {
          latest = Math.max(latest, Long.parseLong(name.substring(0, 20)));
        }
      }
      return latest;
    } catch (java.io.FileNotFoundException e) {
      return -1;  // no table yet
    } catch (java.io.IOException e) {
      throw new JobFailedException("cannot list the registry table's log " + log + ": " + e.getMessage(), e);
    }
  }

  public String runsTable() {
    return HadoopPaths.child(root, "runs");
  }

  /** Runs are an append-only log of states (blind appends never conflict); a run's latest row is its state. */
  @Override
  public void recordRun(RunRecord run) {
    ensureTable(runsTable(), RUNS_SCHEMA);
    Row row = RowFactory.create(run.runId(), run.pipeline(), run.status().name(), Timestamp.from(run.startedAt()),
        run.endedAt().map(Timestamp::from).orElse(null), run.configHash(), run.model().orElse(null),
        scalaMap(run.metrics()), scalaMap(run.ledger()), run.error().orElse(null), Timestamp.from(Instant.now()),
        run.codeVersion(), scalaMap(run.params()), run.config(), scalaMap(run.tags()), run.source().orElse(null));
    spark.createDataFrame(List.of(row), RUNS_SCHEMA).coalesce(1).write().format("delta").mode("append")
        .option("userMetadata", "run " + run.runId() + " " + run.status()).save(runsTable());
  }

  @Override
  public List<RunRecord> runs(Optional<String> pipeline, int limit) {
    if (!DeltaTable.isDeltaTable(spark, runsTable())) {
      return List.of();
    }
    Dataset<Row> log = spark.read().format("delta").load(runsTable());
    if (pipeline.isPresent()) {
      log = log.filter(col("pipeline").equalTo(pipeline.get()));
    }
    return log.withColumn("rank", row_number().over(Window.partitionBy("run_id")
            .orderBy(col("recorded_at").desc(), col("ended_at").desc_nulls_last())))
        .filter(col("rank").equalTo(1)).orderBy(col("started_at").desc()).limit(limit)
        .collectAsList().stream().map(DeltaRegistry::runFromRow).toList();
  }

  @Override
  public Optional<RunRecord> run(String runId) {
    return runs(Optional.empty(), Integer.MAX_VALUE).stream().filter(r -> r.runId().equals(runId)).findFirst();
  }

  private static RunRecord runFromRow(Row r) {
    return new RunRecord(r.getAs("run_id"), r.getAs("pipeline"), RunRecord.Status.valueOf(r.getAs("status")),
        r.<Timestamp>getAs("started_at").toInstant(),
        Optional.ofNullable(r.<Timestamp>getAs("ended_at")).map(Timestamp::toInstant), r.getAs("config_hash"),
        Optional.ofNullable(r.<String>getAs("model")),
        new LinkedHashMap<>(r.<String, Double>getJavaMap(r.fieldIndex("metrics"))),
        new LinkedHashMap<>(r.<String, Long>getJavaMap(r.fieldIndex("ledger"))),
        Optional.ofNullable(r.<String>getAs("error")), optional(r, "code_version", "unknown"),
        optionalMap(r, "params"), optional(r, "config", ""), optionalMap(r, "tags"),
        Optional.ofNullable(optional(r, "source", (String) null)));
  }

  @Override
  public String artifactLocation(String name, String runId) {
    ModelRef.validateName(name);
    if (!runId.matches("[A-Za-z0-9-]{1,64}")) {
      throw new IllegalArgumentException("run ids are letters, digits and '-': " + runId);
    }
    return HadoopPaths.child(root, "artifacts/" + name + "/" + runId);
  }

  @Override
  public ModelVersion register(ModelVersion candidate) {
    ModelRef.validateName(candidate.name());
    if (!candidate.artifactUri().startsWith(HadoopPaths.child(root, "artifacts/"))) {
      throw new IllegalArgumentException("artifacts live under the registry root " + root + ", not at "
          + candidate.artifactUri());
    }
    ensureTable(versionsTable(), VERSIONS_SCHEMA);
    ConcurrentModificationException lastConflict = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Row highest = versionsOf(candidate.name()).agg(max(col("version"))).head();
      ModelVersion stored = candidate.withVersion(highest.isNullAt(0) ? 1 : highest.getLong(0) + 1);
      try {
        DeltaTable.forPath(spark, versionsTable()).as("t")
            .merge(spark.createDataFrame(List.of(toRow(stored)), VERSIONS_SCHEMA).as("s"),
                "t.name = s.name AND t.version = s.version")
            .whenNotMatched().insertAll()
            .execute();
        // A registration that committed this number before our snapshot makes the MERGE match and insert
        // nothing, without a conflict: only the row read back says whose the number is.
        if (get(stored.name(), stored.version()).map(ModelVersion::runId).filter(candidate.runId()::equals)
            .isPresent()) {
          return stored;
        }
      } catch (ConcurrentModificationException conflict) {
        lastConflict = conflict;
        backOff(attempt);
      }
    }
    throw new JobFailedException("could not register " + candidate.name() + " after " + ATTEMPTS
        + " attempts: other registrations kept committing first", lastConflict);
  }

  @Override
  public Optional<ModelVersion> get(String name, long version) {
    return versionsOf(name).filter(col("version").equalTo(version)).collectAsList().stream()
        .map(DeltaRegistry::fromRow).findFirst();
  }

  @Override
  public Optional<ModelVersion> latest(String name) {
    return versionsOf(name).orderBy(col("version").desc()).limit(1).collectAsList().stream()
        .map(DeltaRegistry::fromRow).findFirst();
  }

  @Override
  public ModelVersion resolve(ModelRef ref) {
    if (ref.version().isPresent()) {
      return get(ref.name(), ref.version().get()).orElseThrow(() -> notFound(ref, "no such version"));
    }
    if (ref.alias().isPresent()) {
      Long version = aliases(ref.name()).get(ref.alias().get());
      if (version == null) {
        throw notFound(ref, "no such alias");
      }
      return get(ref.name(), version).orElseThrow(() -> notFound(ref, "the alias points at a missing version"));
    }
    return latest(ref.name()).orElseThrow(() -> notFound(ref, "no versions"));
  }

  @Override
  public List<ModelVersion> versions(String name) {
    return versionsOf(name).orderBy(col("version")).collectAsList().stream().map(DeltaRegistry::fromRow).toList();
  }

  @Override
  public List<ModelVersion> models() {
    if (!DeltaTable.isDeltaTable(spark, versionsTable())) {
      return List.of();
    }
    return spark.read().format("delta").load(versionsTable())
        .withColumn("rank", row_number().over(Window.partitionBy("name").orderBy(col("version").desc())))
        .filter(col("rank").equalTo(1)).drop("rank").orderBy("name")
        .collectAsList().stream().map(DeltaRegistry::fromRow).toList();
  }

  @Override
  public List<ModelVersion> versionsReading(String sourceUri) {
    if (!DeltaTable.isDeltaTable(spark, versionsTable())) {
      return List.of();
    }
    return spark.read().format("delta").load(versionsTable()).filter(col("source_uri").equalTo(sourceUri))
        .orderBy(col("name"), col("version")).collectAsList().stream().map(DeltaRegistry::fromRow).toList();
  }

  @Override
  public List<ModelVersion> search(String condition, String orderBy, int limit) {
    if (!DeltaTable.isDeltaTable(spark, versionsTable())) {
      return List.of();
    }
    try {
      return spark.read().format("delta").load(versionsTable())
          .filter(org.apache.spark.sql.functions.expr(condition))
          .orderBy(org.apache.spark.sql.functions.expr(orderBy).desc_nulls_last(), col("name"), col("version"))
          .limit(limit).collectAsList().stream().map(DeltaRegistry::fromRow).toList();
    } catch (Exception e) {  // Scala throws AnalysisException (and ParseException, a subclass) undeclared
      if (!(e instanceof org.apache.spark.sql.AnalysisException analysis)) {
        throw e instanceof RuntimeException runtime ? runtime : new JobFailedException(e.getMessage(), e);
      }
      throw new InvalidInputException("cannot search the registry with '" + condition + "' ordered by '" + orderBy
          + "': " + analysis.getSimpleMessage().split("\n")[0] + " (columns: "
          + String.join(", ", VERSIONS_SCHEMA.fieldNames()) + ")", e);
    }
  }

  @Override
  public AliasMove setAlias(String name, String alias, long version, String reason) {
    ModelRef.validateName(name);
    ModelRef.validateAlias(alias);
    if (get(name, version).isEmpty()) {
      throw new InvalidInputException("cannot point " + name + "@" + alias + " at version " + version
          + ": there is no " + name + "@" + version + " in " + versionsTable());
    }
    AliasMove move = new AliasMove(name, alias, version, Instant.now(), reason);
    ensureTable(aliasesTable(), ALIASES_SCHEMA);
    // Alias moves are blind appends: they never conflict, and the latest move wins.
    spark.createDataFrame(List.of(RowFactory.create(name, alias, version, Timestamp.from(move.setAt()), reason)),
            ALIASES_SCHEMA)
        .coalesce(1).write().format("delta").mode("append")
        .option("userMetadata", "alias " + name + "@" + alias + " -> " + version).save(aliasesTable());
    return move;
  }

  public String promotionsTable() {
    return HadoopPaths.child(root, "promotions");
  }

  @Override
  public void recordDecision(PromotionDecision d) {
    ModelRef.validateName(d.name());
    ensureTable(promotionsTable(), PROMOTIONS_SCHEMA);
    Row row = RowFactory.create(d.name(), d.alias(), Timestamp.from(d.decidedAt()), d.runId(),
        d.championVersion().orElse(null), d.challengerVersion(), d.metric(), d.championValue().orElse(null),
        d.challengerValue(), d.margin(), d.promoted(), d.reasons(), d.testRows(), d.data());
    spark.createDataFrame(List.of(row), PROMOTIONS_SCHEMA).coalesce(1).write().format("delta").mode("append")
        .option("userMetadata", "decision " + d.name() + "@" + d.challengerVersion() + (d.promoted() ? " promoted"
            : " kept out")).save(promotionsTable());
  }

  @Override
  public List<PromotionDecision> decisions(String name) {
    if (!DeltaTable.isDeltaTable(spark, promotionsTable())) {
      return List.of();
    }
    return spark.read().format("delta").load(promotionsTable()).filter(col("name").equalTo(name))
        .orderBy(col("decided_at")).collectAsList().stream()
        .map(r -> new PromotionDecision(r.getAs("name"), r.getAs("alias"), r.<Timestamp>getAs("decided_at")
            .toInstant(), r.getAs("run_id"), Optional.ofNullable(r.<Long>getAs("champion_version")),
            r.<Long>getAs("challenger_version"), r.getAs("metric"),
            Optional.ofNullable(r.<Double>getAs("champion_value")), r.<Double>getAs("challenger_value"),
            r.<Double>getAs("margin"), r.<Boolean>getAs("promoted"), r.<String>getList(r.fieldIndex("reasons")),
            r.<Long>getAs("test_rows"), r.getAs("data")))
        .toList();
  }

  @Override
  public Map<String, Long> aliases(String name) {
    Map<String, Long> current = new LinkedHashMap<>();
    aliasHistory(name).forEach(move -> current.put(move.alias(), move.version()));
    return current;
  }

  @Override
  public List<AliasMove> aliasHistory(String name) {
    if (!DeltaTable.isDeltaTable(spark, aliasesTable())) {
      return List.of();
    }
    return spark.read().format("delta").load(aliasesTable()).filter(col("name").equalTo(name))
        .orderBy(col("set_at"), col("alias")).collectAsList().stream()
        .map(r -> new AliasMove(r.getString(0), r.getString(1), r.getLong(2), r.getTimestamp(3).toInstant(),
            r.getString(4)))
        .toList();
  }

  private InvalidInputException notFound(ModelRef ref, String why) {
    return new InvalidInputException("no model " + ref + " in the registry at " + root + " (" + why + ")");
  }

  private Dataset<Row> versionsOf(String name) {
    if (!DeltaTable.isDeltaTable(spark, versionsTable())) {
      return spark.createDataFrame(List.of(), VERSIONS_SCHEMA);
    }
    return spark.read().format("delta").load(versionsTable()).filter(col("name").equalTo(name));
  }

  /**
   * Creates an empty table if there is none (two processes doing it at once is fine: one commit wins), and adds the
   * columns a table written by an older Kiln lacks, so registries survive upgrades.
   */
  private void ensureTable(String location, StructType schema) {
    if (DeltaTable.isDeltaTable(spark, location)) {
      addMissingColumns(location, schema);
      return;
    }
    for (int attempt = 1; !DeltaTable.isDeltaTable(spark, location); attempt++) {
      try {
        DeltaTable.createIfNotExists(spark).location(location).addColumns(schema).execute();
      } catch (Exception raced) {
        // Scala throws Delta's AnalysisExceptions unchecked: racing a creation, execute() can look the new table up
        // before its first commit shows (DELTA_TABLE_NOT_FOUND); the loop looks again.
        if (attempt >= ATTEMPTS) {
          throw new JobFailedException("could not create the registry table " + location + ": "
              + raced.getMessage(), raced);
        }
        backOff(attempt);
      }
    }
  }

  private void addMissingColumns(String location, StructType schema) {
    java.util.Set<String> present = java.util.Set.of(spark.read().format("delta").load(location).schema()
        .fieldNames());
    List<String> missing = java.util.Arrays.stream(schema.fields()).filter(f -> !present.contains(f.name()))
        .map(f -> "`" + f.name() + "` " + f.dataType().sql()).toList();
    if (!missing.isEmpty()) {
      try {
        spark.sql("ALTER TABLE delta.`" + location.replace("`", "``") + "` ADD COLUMNS (" + String.join(", ", missing)
            + ")");
      } catch (Exception raced) {  // another writer added them first; anything else shows at the write
        if (!java.util.Set.of(spark.read().format("delta").load(location).schema().fieldNames())
            .containsAll(java.util.Arrays.asList(schema.fieldNames()))) {
          throw new JobFailedException("could not upgrade the registry table " + location + ": "
              + raced.getMessage(), raced);
        }
      }
    }
  }

  /** A column of a row from a table that may predate it. */
  private static <T> T optional(Row row, String column, T absent) {
    if (!java.util.Arrays.asList(row.schema().fieldNames()).contains(column) || row.isNullAt(row.fieldIndex(column))) {
      return absent;
    }
    return row.getAs(column);
  }

  private static Map<String, String> optionalMap(Row row, String column) {
    if (!java.util.Arrays.asList(row.schema().fieldNames()).contains(column) || row.isNullAt(row.fieldIndex(column))) {
      return new LinkedHashMap<>();
    }
    return new LinkedHashMap<>(row.<String, String>getJavaMap(row.fieldIndex(column)));
  }

  private static void backOff(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(20, 60L * Math.min(attempt, 8)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JobFailedException("interrupted while registering", e);
    }
  }

  private static Row toRow(ModelVersion v) {
    return RowFactory.create(v.name(), v.version(), v.runId(), Timestamp.from(v.createdAt()), v.artifactUri(),
        scalaMap(v.metrics()), scalaMap(v.params()), v.lineage().sourceUri(), v.lineage().sourceFormat(),
        v.lineage().sourceVersion().orElse(null), v.lineage().sample(), v.lineage().dedup(), v.lineage().split(),
        scalaMap(v.ledger()), v.config(), v.configHash(), v.signature(), scalaMap(v.tags()),
        v.lineage().sampleProvenance());
  }

  private static ModelVersion fromRow(Row row) {
    return new ModelVersion(row.getAs("name"), row.<Long>getAs("version"), row.getAs("run_id"),
        row.<Timestamp>getAs("created_at").toInstant(), row.getAs("artifact_uri"),
        new LinkedHashMap<>(row.<String, Double>getJavaMap(row.fieldIndex("metrics"))),
        new LinkedHashMap<>(row.<String, String>getJavaMap(row.fieldIndex("params"))),
        new ModelVersion.Lineage(row.getAs("source_uri"), row.getAs("source_format"),
            Optional.ofNullable(row.<Long>getAs("source_version")), row.getAs("sample"), row.getAs("dedup"),
            row.getAs("split"), optional(row, "sample_provenance", "{}")),
        new LinkedHashMap<>(row.<String, Long>getJavaMap(row.fieldIndex("ledger"))),
        row.getAs("config"), row.getAs("config_hash"), optional(row, "signature", "{}"), optionalMap(row, "tags"));
  }

  private static <V> scala.collection.Map<String, V> scalaMap(Map<String, V> map) {
    return scala.collection.JavaConverters.mapAsScalaMap(new LinkedHashMap<>(map));
  }
}

package dev.kiln.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.source.TimeWindow;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Where a sample came from and how it was taken: enough to take it again and to judge it. Kept with the sample (in
 * its Delta commit, or a {@code _kiln_sample.json} file beside Parquet and Avro output) and carried into the lineage
 * of every model trained on it. Holds no credentials: sources' URIs and statements never do.
 *
 * @param statement the statement sent to a database, when the source is one
 * @param files the files read (for file sources), at most {@link #MAX_FILES} of them; {@code fileCount} and
 *     {@code filesSha256} cover the whole list
 * @param pushdown {@code none}, {@code tablesample}, {@code hash-predicate} or {@code file-blocks}
 * @param rowsRead rows the source returned to Spark (what the database sent, or what files held in scope)
 * @param bytesRead bytes Spark read from storage for the sample (0 where the source does not report bytes, as JDBC)
 */
public record SampleProvenance(String sourceUri, String sourceFormat, Optional<Long> sourceVersion,
    Optional<String> statement, List<String> files, int fileCount, String filesSha256, String strategy, long seed,
    Optional<TimeWindow> window, String pushdown, String pushdownDetail, long rowsRead, long bytesRead,
    long rowsSampled, List<String> notes, Instant takenAt) {

  public static final int MAX_FILES = 1_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  public SampleProvenance {
    files = List.copyOf(files);
    notes = List.copyOf(notes);
  }

  /** Builds the record from a taken sample once its rows are counted and the read measured. */
  public static SampleProvenance of(SourceSampler.TakenSample taken, List<String> allFiles, long seed,
      Optional<TimeWindow> window, long rowsRead, long bytesRead, long rowsSampled, Instant takenAt) {
    var snapshot = taken.snapshot();
    return new SampleProvenance(snapshot.uri(), snapshot.format(), snapshot.version(),
        snapshot.pushdown().statement(), allFiles.stream().limit(MAX_FILES).toList(), allFiles.size(),
        allFiles.isEmpty() ? "" : sha256(String.join("\n", allFiles)), taken.strategy(), seed, window,
        snapshot.pushdown().method(), snapshot.pushdown().detail(), rowsRead, bytesRead, rowsSampled, taken.notes(),
        takenAt);
  }

  public ObjectNode toJson() {
    ObjectNode node = JSON.createObjectNode()
        .put("source_uri", sourceUri)
        .put("source_format", sourceFormat);
    sourceVersion.ifPresent(v -> node.put("source_version", v));
    statement.ifPresent(s -> node.put("statement", s));
    ArrayNode fileList = node.putArray("files");
    files.forEach(fileList::add);
    node.put("file_count", fileCount).put("files_sha256", filesSha256)
        .put("strategy", strategy).put("seed", seed);
    window.ifPresent(w -> node.putObject("window").put("column", w.column()).put("start", w.start().toString())
        .put("end", w.end().toString()));
    node.put("pushdown", pushdown).put("pushdown_detail", pushdownDetail)
        .put("rows_read", rowsRead).put("bytes_read", bytesRead).put("rows_sampled", rowsSampled);
    ArrayNode noteList = node.putArray("notes");
    notes.forEach(noteList::add);
    node.put("taken_at", takenAt.toString());
    return node;
  }

  public static SampleProvenance fromJson(JsonNode node) {
    List<String> files = new java.util.ArrayList<>();
    node.path("files").forEach(f -> files.add(f.asText()));
    List<String> notes = new java.util.ArrayList<>();
    node.path("notes").forEach(n -> notes.add(n.asText()));
    Optional<TimeWindow> window = node.has("window") ? Optional.of(new TimeWindow(
        node.get("window").get("column").asText(), Instant.parse(node.get("window").get("start").asText()),
        Instant.parse(node.get("window").get("end").asText()))) : Optional.empty();
    return new SampleProvenance(node.get("source_uri").asText(), node.get("source_format").asText(),
        node.has("source_version") ? Optional.of(node.get("source_version").asLong()) : Optional.empty(),
        node.has("statement") ? Optional.of(node.get("statement").asText()) : Optional.empty(), files,
        node.path("file_count").asInt(), node.path("files_sha256").asText(), node.get("strategy").asText(),
        node.path("seed").asLong(), window, node.path("pushdown").asText(), node.path("pushdown_detail").asText(),
        node.path("rows_read").asLong(), node.path("bytes_read").asLong(), node.path("rows_sampled").asLong(),
        notes, Instant.parse(node.get("taken_at").asText()));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}

package dev.kiln.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.sample.SampleProvenance;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a step's output was made from, carried from step to step in the Delta commit's user metadata, so that
 * {@code kiln train} on a cleaned table still records the original source, its version and the sample.
 */
public record RunLineage(String sourceUri, String sourceFormat, Optional<Long> sourceVersion, String sample,
    String dedup, Map<String, Long> ledger, Optional<SampleProvenance> provenance) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public RunLineage(String sourceUri, String sourceFormat, Optional<Long> sourceVersion, String sample,
      String dedup, Map<String, Long> ledger) {
    this(sourceUri, sourceFormat, sourceVersion, sample, dedup, ledger, Optional.empty());
  }

  public RunLineage withDedup(String dedupDescription, Map<String, Long> moreCounts) {
    Map<String, Long> all = new LinkedHashMap<>(ledger);
    all.putAll(moreCounts);
    return new RunLineage(sourceUri, sourceFormat, sourceVersion, sample, dedupDescription, all, provenance);
  }

  /** This lineage with the sample's provenance, once the sample has been read. */
  public RunLineage withProvenance(Optional<SampleProvenance> sampled) {
    return new RunLineage(sourceUri, sourceFormat, sourceVersion, sample, dedup, ledger,
        sampled.isPresent() ? sampled : provenance);
  }

  /** The provenance as JSON text, {@code {}} when there is none (steps written before Kiln recorded it). */
  public String provenanceJson() {
    return provenance.map(p -> p.toJson().toString()).orElse("{}");
  }

  public String toJson() {
    ObjectNode node = JSON.createObjectNode()
        .put("kiln_lineage", 1)
        .put("source_uri", sourceUri)
        .put("source_format", sourceFormat)
        .put("sample", sample)
        .put("dedup", dedup);
    sourceVersion.ifPresent(v -> node.put("source_version", v));
    ObjectNode counts = node.putObject("ledger");
    ledger.forEach(counts::put);
    provenance.ifPresent(p -> node.set("provenance", p.toJson()));
    return node.toString();
  }

  /** Reads lineage back from a commit's user metadata; {@code table} names the table in the error. */
  public static RunLineage fromJson(String json, String table) {
    try {
      JsonNode node = json == null ? null : JSON.readTree(json);
      if (node == null || !node.has("kiln_lineage")) {
        throw new InvalidInputException(table + " was not written by a Kiln step (no lineage in its latest commit)");
      }
      Map<String, Long> ledger = new LinkedHashMap<>();
      node.get("ledger").fields().forEachRemaining(e -> ledger.put(e.getKey(), e.getValue().asLong()));
      return new RunLineage(node.get("source_uri").asText(), node.get("source_format").asText(),
          node.has("source_version") ? Optional.of(node.get("source_version").asLong()) : Optional.empty(),
          node.get("sample").asText(), node.get("dedup").asText(), ledger,
          node.has("provenance") ? Optional.of(SampleProvenance.fromJson(node.get("provenance")))
              : Optional.empty());
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("cannot read the lineage of " + table + ": " + e.getOriginalMessage(), e);
    }
  }
}

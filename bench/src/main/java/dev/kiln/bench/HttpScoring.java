package dev.kiln.bench;

import dev.kiln.config.PipelineConfig;
import dev.kiln.registry.ModelVersion;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code kiln serve} in its own JVM, under constant-rate load from {@link HttpLoadGenerator} in another. */
final class HttpScoring {

  record Result(LatencySample sample, int rate) {}

  private HttpScoring() {}

  static Result measure(Path work, PipelineConfig config, ModelVersion version, List<Map<String, Object>> records,
      ServingOptions options, Progress progress) {
    throw new UnsupportedOperationException("the HTTP service lands with deploy/serving");
  }
}

package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.config.ConfigLayers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReproduceCommandTest {

  private static final String RECORDED = """
      pipeline.name = churn
      spark.partitions = auto
      """;

  @Test
  void theRecordedPartitionsArePinnedAndAnOverrideStillWins() {
    List<String> pinned = ReproduceCommand.pins(Map.of("partitions", "24", "maxIter", "8"), List.of());
    assertEquals(24, ConfigLayers.loadRecorded(RECORDED, "recorded", Map.of(), pinned).getInt("spark.partitions"),
        "an auto model is retrained with the partitions its own cluster gave it");

    List<String> overridden = ReproduceCommand.pins(Map.of("partitions", "24"), List.of("spark.partitions=6"));
    assertEquals(6, ConfigLayers.loadRecorded(RECORDED, "recorded", Map.of(), overridden).getInt("spark.partitions"));

    List<String> older = ReproduceCommand.pins(Map.of("maxIter", "8"), List.of());
    assertEquals("auto", ConfigLayers.loadRecorded(RECORDED, "recorded", Map.of(), older)
        .getString("spark.partitions"), "a version recorded before the param keeps its config's value");
  }
}

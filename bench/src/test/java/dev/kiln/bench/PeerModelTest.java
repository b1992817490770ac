package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.config.PipelineConfig;
import dev.kiln.train.ModelChecks;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every pair's Kiln side is a config Kiln accepts, with parameters its estimator has: a misspelt parameter would
 * otherwise surface only minutes into a benchmark run.
 */
class PeerModelTest {

  @TempDir
  Path dir;

  @ParameterizedTest
  @EnumSource(PeerModel.class)
  void kilnsSideIsAValidConfigForItsTask(PeerModel model) {
    PeerData.Table table = new PeerData.Table(1000, 1000, 800, 200, dir.resolve("train.parquet"),
        dir.resolve("test.parquet"), dir.resolve("train.csv"), dir.resolve("test.csv"), "time");
    PipelineConfig config = PeerFit.config(model, table, 2, dir.resolve("warehouse"));
    assertEquals(model.label(), config.features().label());
    assertEquals(List.of(), ModelChecks.problems(config.model(), Optional.of(model.task())));
  }
}

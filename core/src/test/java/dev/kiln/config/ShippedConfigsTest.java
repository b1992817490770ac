package dev.kiln.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every pipeline config the project ships under {@code conf/pipelines} and {@code conf/examples} parses without a
 * problem (but {@code broken.conf}, whose problems are the point), so a renamed or retyped key cannot leave one behind.
 * Their data is not needed: the parser checks keys and values, the preflight the source.
 */
class ShippedConfigsTest {

  @Test
  void everyShippedPipelineConfigParses() throws IOException {
    Path conf = Path.of(System.getProperty("kiln.repo", ".."), "conf");
    List<Path> files;
    try (Stream<Path> pipelines = Files.list(conf.resolve("pipelines"));
        Stream<Path> examples = Files.list(conf.resolve("examples"))) {
      files = Stream.concat(pipelines, examples).filter(f -> f.toString().endsWith(".conf"))
          .filter(f -> !f.getFileName().toString().equals("broken.conf")).sorted().toList();
    }
    assertTrue(files.size() >= 4, "found " + files);
    for (Path file : files) {
      PipelineConfigParser.Result result = PipelineConfigParser.parse(ConfigLayers.load(file, Map.of(), List.of()));
      assertEquals(List.of(), result.problems(), file.toString());
    }
  }
}

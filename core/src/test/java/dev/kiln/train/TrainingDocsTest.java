package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfigParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every config example of docs/training.md parses and passes the model checks. */
class TrainingDocsTest {

  private static final String BASE = """
      warehouse = "/tmp/kiln"
      pipeline.name = docs
      source.format = generated
      features { label = churned, numeric = [age], categorical = [country] }
      registry.root = "/tmp/kiln/registry"
      """;

  @Test
  void theExamplesAreValidConfigs() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "training.md"));
    Matcher block = Pattern.compile("```hocon\n(.*?)```", Pattern.DOTALL).matcher(doc);
    List<String> problems = new ArrayList<>();
    int examples = 0;
    while (block.find()) {
      examples++;
      PipelineConfigParser.Result parsed = PipelineConfigParser.parse(ConfigFactory.parseString(BASE + block.group(1))
          .withFallback(ConfigFactory.parseResources("dev/kiln/config/defaults.conf")).resolve());
      parsed.problems().forEach(p -> problems.add(p + " in\n" + block.group(1)));
      PipelineConfig.ModelConfig model = parsed.config().model();
      Optional<Task> task = "auto".equals(model.task()) ? Optional.empty() : Optional.of(Task.named(model.task()));
      ModelChecks.problems(model, task).forEach(p -> problems.add(p + " in\n" + block.group(1)));
    }
    assertTrue(examples >= 8, examples + " examples");
    assertEquals(List.of(), problems);
  }
}

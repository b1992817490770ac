package dev.kiln.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.kiln.errors.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLayersTest {

  @TempDir
  Path dir;

  @Test
  void laterLayersWinOverEarlierOnes() throws IOException {
    Path file = write("sample.fraction = 0.5\nsample.seed = 1\nevaluation.seed = 3\n");
    Config config = ConfigLayers.load(file,
        Map.of("KILN_CONF_sample_seed", "2", "KILN_CONF_evaluation_seed", "4", "UNRELATED", "x"),
        List.of("evaluation.seed=5"));
    assertEquals(0.5, config.getDouble("sample.fraction"), "the file overrides defaults.conf");
    assertEquals(2, config.getLong("sample.seed"), "the environment overrides the file");
    assertEquals(5, config.getLong("evaluation.seed"), "--conf overrides the environment");
    assertEquals("median", config.getString("features.impute"), "defaults.conf fills the rest");
  }

  @Test
  void environmentNamesMapToPathsLikeTypesafeConfig() {
    assertEquals("sample.fraction", ConfigLayers.envNameToPath("sample_fraction"));
    assertEquals("evaluation.test-fraction", ConfigLayers.envNameToPath("evaluation_test__fraction"));
    assertEquals("spark.conf.my_key", ConfigLayers.envNameToPath("spark_conf_my___key"));
  }

  @Test
  void overridesKeepUrlsWhole() throws IOException {
    Config config = ConfigLayers.load(write(""), Map.of(),
        List.of("source.path=s3a://bucket/tables/churn", "features.numeric=[a, b]"));
    assertEquals("s3a://bucket/tables/churn", config.getString("source.path"));
    assertEquals(List.of("a", "b"), config.getStringList("features.numeric"));
  }

  @Test
  void theRegistryFollowsTheWarehouseAfterOverrides() throws IOException {
    Config config = ConfigLayers.load(write(""), Map.of(), List.of("warehouse=/data/kiln"));
    assertEquals("/data/kiln/registry", config.getString("registry.root"));
  }

  @Test
  void substitutionsReadTheGivenEnvironment() throws IOException {
    Path file = write("""
        spark.conf { "spark.hadoop.fs.s3a.secret.key" = ${KILN_TEST_SECRET} }
        source.options { from-process = ${?PATH}, absent = ${?KILN_TEST_UNSET} }
        """);
    Config config = ConfigLayers.load(file, Map.of("KILN_TEST_SECRET", "s3cr3t-value"), List.of());
    assertEquals("s3cr3t-value", config.getString("spark.conf.\"spark.hadoop.fs.s3a.secret.key\""));
    assertFalse(config.hasPath("source.options.from-process"),
        "the process's own environment is not consulted, only the map given");
    assertFalse(config.hasPath("source.options.absent"));
    assertFalse(config.hasPath("KILN_TEST_SECRET"), "variables answer substitutions but are not config keys");
    assertFalse(PipelineConfigParser.render(config).contains("s3cr3t-value"), "the rendered config redacts it");
  }

  @Test
  void configKeysWinOverVariablesAndSelfReferencesStillWork() throws IOException {
    Path file = write("""
        features.numeric = ${features.numeric} [age]
        warehouse = ${warehouse}"/kiln"
        pipeline.name = ${NAME}
        """);
    Config config = ConfigLayers.load(file, Map.of("NAME", "from-env", "warehouse", "ignored"), List.of());
    assertEquals(List.of("age"), config.getStringList("features.numeric"));
    assertEquals("warehouse/kiln", config.getString("warehouse"), "a config key answers before a variable");
    assertEquals("from-env", config.getString("pipeline.name"));
  }

  @Test
  void aMissingVariableNamesTheFileAndLine() throws IOException {
    Path file = write("sample.seed = 1\nspark.conf { \"spark.hadoop.fs.s3a.secret.key\" = ${KILN_TEST_SECRET} }\n");
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> ConfigLayers.load(file, Map.of("OTHER", "x"), List.of()));
    assertTrue(e.getMessage().contains(file + ": 2"), e.getMessage());
    assertTrue(e.getMessage().contains("${KILN_TEST_SECRET}"), e.getMessage());
  }

  @Test
  void unreadableLayersAreReportedTogether() {
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> ConfigLayers.load(dir.resolve("missing.conf"), Map.of(), List.of("no-equals-sign")));
    assertEquals(2, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().contains("missing.conf"), e.getMessage());
    assertTrue(e.getMessage().contains("expected key=value"), e.getMessage());
  }

  @Test
  void aSyntaxErrorNamesTheFile() throws IOException {
    Path file = write("sample {\n fraction = \n");
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> ConfigLayers.load(file, Map.of(), List.of()));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  private Path write(String text) throws IOException {
    Path file = dir.resolve("pipeline.conf");
    Files.writeString(file, text);
    return file;
  }
}

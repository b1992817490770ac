package dev.kiln.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import dev.kiln.errors.ConfigProblem;
import dev.kiln.errors.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads a pipeline configuration from its four layers, lowest first: Kiln's embedded {@code defaults.conf}, the
 * pipeline file, environment variables {@code KILN_CONF_<path>}, and {@code --conf key=value} overrides.
 *
 * <p>Environment variable names map to paths the way Typesafe Config's {@code CONFIG_FORCE_} does: one underscore is a
 * dot, two are a dash, three an underscore ({@code KILN_CONF_sample_fraction} sets {@code sample.fraction},
 * {@code KILN_CONF_evaluation_test__fraction} sets {@code evaluation.test-fraction}). Every value keeps its origin,
 * so a problem found later names the file and line, the variable or the override it came from.
 *
 * <p>Substitutions such as {@code ${?AWS_SECRET_ACCESS_KEY}} that no config key answers are looked up in the
 * {@code environment} given to {@link #load}, never in the process's own: the CLI passes {@code System.getenv()}, and
 * a test or an embedding application decides exactly which variables a config can see.
 */
public final class ConfigLayers {

  public static final String ENV_PREFIX = "KILN_CONF_";
  static final String DEFAULTS_RESOURCE = "dev/kiln/config/defaults.conf";

  private ConfigLayers() {}

  /**
   * Loads and resolves the layers.
   *
   * @param pipelineFile the pipeline file, or null to run on defaults and overrides alone
   * @param environment usually {@code System.getenv()}: {@code KILN_CONF_*} entries are a layer, and every entry
   *     answers {@code ${NAME}} substitutions that no config key answers
   * @param overrides {@code key=value} strings, in order; a later one wins
   * @throws InvalidConfigException when a layer cannot be read or parsed, listing every such problem
   */
  public static Config load(Path pipelineFile, Map<String, String> environment, List<String> overrides) {
    return load(pipelineFile, null, null, environment, overrides);
  }

  /**
   * Loads a config recorded with a model (resolved HOCON text) in place of the pipeline file: defaults < recorded <
   * environment < overrides. Secrets were redacted when it was recorded; they must come back through the
   * environment or overrides, and {@link #redactedKeys} finds any that did not.
   */
  public static Config loadRecorded(String text, String origin, Map<String, String> environment,
      List<String> overrides) {
    return load(null, text, origin, environment, overrides);
  }

  /** Keys whose value is still the redaction placeholder. */
  public static List<String> redactedKeys(Config config) {
    return config.entrySet().stream()
        .filter(e -> "<redacted>".equals(e.getValue().unwrapped()))
        .map(Map.Entry::getKey).sorted().toList();
  }

  private static Config load(Path pipelineFile, String recordedText, String recordedOrigin,
      Map<String, String> environment, List<String> overrides) {
    List<ConfigProblem> problems = new ArrayList<>();
    Config defaults = ConfigFactory.parseResources(ConfigLayers.class.getClassLoader(), DEFAULTS_RESOURCE,
        ConfigParseOptions.defaults().setAllowMissing(false).setOriginDescription("defaults.conf"));

    Config file = ConfigFactory.empty();
    if (recordedText != null) {
      file = ConfigFactory.parseString(recordedText,
          ConfigParseOptions.defaults().setOriginDescription(recordedOrigin));
    }
    if (pipelineFile != null) {
      if (!Files.isRegularFile(pipelineFile)) {
        problems.add(new ConfigProblem(pipelineFile.toString(), "(file)", "pipeline config file does not exist"));
      } else {
        try {
          file = ConfigFactory.parseFile(pipelineFile.toFile(),
              ConfigParseOptions.defaults().setAllowMissing(false).setOriginDescription(pipelineFile.toString()));
        } catch (ConfigException e) {
          problems.add(new ConfigProblem(pipelineFile.toString(), "(syntax)", e.getMessage()));
        }
      }
    }

    Config env = ConfigFactory.empty();
    for (Map.Entry<String, String> entry : new TreeMap<>(environment).entrySet()) {
      if (entry.getKey().startsWith(ENV_PREFIX) && entry.getKey().length() > ENV_PREFIX.length()) {
        String path = envNameToPath(entry.getKey().substring(ENV_PREFIX.length()));
        env = layer(path, entry.getValue(), "environment variable " + entry.getKey(), problems).withFallback(env);
      }
    }

    Config cli = ConfigFactory.empty();
    for (String override : overrides) {
      int eq = override.indexOf('=');
      if (eq <= 0) {
        problems.add(new ConfigProblem("--conf " + override, override, "expected key=value"));
        continue;
      }
      String key = override.substring(0, eq).trim();
      cli = layer(key, override.substring(eq + 1), "--conf " + key, problems).withFallback(cli);
    }

    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    Config merged = cli.withFallback(env).withFallback(file).withFallback(defaults);
    try {
      return resolve(merged, environment);
    } catch (ConfigException e) {
      throw new InvalidConfigException(List.of(new ConfigProblem(
          e.origin() == null ? "(config)" : e.origin().description(), "(substitution)", e.getMessage())));
    }
  }

  /**
   * Resolves substitutions against the config, then the given environment: the same lookup order as Typesafe
   * Config's {@code setUseSystemEnvironment(true)}, with the map in place of the process environment. Environment
   * substitutions ({@code ${?AWS_SECRET_ACCESS_KEY}}) are how secrets reach a config file without being written in it.
   *
   * <p>The variables join the tree as its lowest layer only while resolving, and are removed afterwards, so they are
   * never read as config keys. ({@code resolveWith(source)} would keep them out of the tree, but it fails on
   * self-references such as {@code numeric = ${features.numeric} [age]}.)
   */
  private static Config resolve(Config merged, Map<String, String> environment) {
    Config variables = ConfigFactory.empty();
    for (Map.Entry<String, String> entry : environment.entrySet()) {
      // Quoted: a variable name is one key, whatever characters it holds.
      variables = variables.withValue(ConfigUtil.joinPath(entry.getKey()), ConfigValueFactory.fromAnyRef(
          entry.getValue(), "environment variable " + entry.getKey()));
    }
    ConfigObject resolved = merged.withFallback(variables).resolve(ConfigResolveOptions.noSystem()).root();
    for (String name : variables.root().keySet()) {
      if (!merged.root().containsKey(name)) {
        resolved = resolved.withoutKey(name);
      }
    }
    return resolved.toConfig();
  }

  /** {@code sample_fraction} to {@code sample.fraction}, {@code test__fraction} to {@code test-fraction}. */
  static String envNameToPath(String name) {
    StringBuilder path = new StringBuilder();
    int i = 0;
    while (i < name.length()) {
      char c = name.charAt(i);
      if (c != '_') {
        path.append(c);
        i++;
        continue;
      }
      int run = 0;
      while (i + run < name.length() && name.charAt(i + run) == '_') {
        run++;
      }
      path.append(run == 1 ? "." : run == 2 ? "-" : "_");
      i += run;
    }
    return path.toString();
  }

  /**
   * One override as a config layer. Lists and objects ({@code [a, b]}, {@code {...}}) are parsed as HOCON; anything
   * else stays a string, which Typesafe Config converts to a number or boolean when the key asks for one. (Parsing
   * every value as HOCON would cut {@code s3a://bucket/x} at its {@code //}, which HOCON reads as a comment.)
   */
  private static Config layer(String path, String raw, String origin, List<ConfigProblem> problems) {
    String value = raw.trim();
    try {
      ConfigValue configValue;
      if (value.startsWith("[") || value.startsWith("{")) {
        configValue = ConfigFactory.parseString("v = " + value,
            ConfigParseOptions.defaults().setOriginDescription(origin)).getValue("v");
      } else {
        configValue = ConfigValueFactory.fromAnyRef(value).withOrigin(ConfigOriginFactory.newSimple(origin));
      }
      return ConfigFactory.empty().withValue(path, configValue);
    } catch (ConfigException e) {
      problems.add(new ConfigProblem(origin, path, "cannot be read: " + e.getMessage()));
      return ConfigFactory.empty();
    }
  }
}

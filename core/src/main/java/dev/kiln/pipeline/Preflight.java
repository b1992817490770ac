package dev.kiln.pipeline;

import com.typesafe.config.Config;
import dev.kiln.config.ConfigReader;
import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfigParser;
import dev.kiln.errors.ConfigProblem;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.source.Source;
import dev.kiln.source.Sources;
import dev.kiln.train.Algorithm;
import dev.kiln.train.ModelChecks;
import dev.kiln.train.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * Everything that can be checked before Spark does any work: the config's structure, then what needs the data's
 * metadata — the source exists, and has the label, feature, key and split columns. All problems are reported
 * together in one {@link InvalidConfigException}.
 */
public final class Preflight {

  private Preflight() {}

  /**
   * @param config the resolved layers
   * @param hadoopConf for reaching the source; carries {@code spark.hadoop.*} settings from the config
   * @return the validated config
   * @throws InvalidConfigException listing every problem found
   */
  public static PipelineConfig check(Config config, Configuration hadoopConf) {
    PipelineConfigParser.Result parsed = PipelineConfigParser.parse(config);
    List<ConfigProblem> problems = new ArrayList<>(parsed.problems());
    PipelineConfig pipeline = parsed.config();
    ConfigReader origins = new ConfigReader(config);

    String algorithm = pipeline.model().algorithm();
    String task = pipeline.model().task();
    if (PipelineConfigParser.ALGORITHMS.contains(algorithm) && PipelineConfigParser.TASKS.contains(task)) {
      Optional<Task> known = Task.AUTO.equals(task) ? Optional.empty() : Optional.of(Task.named(task));
      for (ConfigProblem p : ModelChecks.problems(pipeline.model(), known)) {
        problems.add(new ConfigProblem(origins.originOf(p.key()), p.key(), p.message()));
      }
      ModelChecks.categoricalEncoding(pipeline.features(), Algorithm.named(algorithm)).ifPresent(p ->
          problems.add(new ConfigProblem(origins.originOf(p.key()), p.key(), p.message())));
    }

    boolean jdbc = "jdbc".equals(pipeline.source().format());
    boolean located = pipeline.source().path().isPresent() || "generated".equals(pipeline.source().format())
        || jdbc && problems.stream().noneMatch(p -> p.key().startsWith("source.jdbc"));
    if (PipelineConfigParser.FORMATS.contains(pipeline.source().format()) && located) {
      Source source = Sources.of(pipeline);
      String pathKey = jdbc ? "source.jdbc.url" : "source.path";
      try {
        Source.Probe probe = source.probe(hadoopConf);
        if (!probe.exists()) {
          problems.add(new ConfigProblem(origins.originOf(pathKey), pathKey,
              "no " + source.format() + " data at " + source.uri()));
        } else if (probe.columns().isPresent()) {
          checkColumns(pipeline, probe.columns().get(), origins, problems);
        }
      } catch (InvalidInputException e) {
        problems.add(new ConfigProblem(origins.originOf(pathKey), pathKey, e.getMessage()));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(inReadingOrder(problems));
    }
    return pipeline;
  }

  /** File problems by file and line, so the list reads top to bottom; then overrides and unset keys. */
  static List<ConfigProblem> inReadingOrder(List<ConfigProblem> problems) {
    java.util.regex.Pattern numbered = java.util.regex.Pattern.compile("^(.*):(\\d+)$");
    return problems.stream().sorted(java.util.Comparator
        .comparing((ConfigProblem p) -> numbered.matcher(p.origin()).matches() ? 0 : 1)
        .thenComparing(p -> {
          var m = numbered.matcher(p.origin());
          return m.matches() ? m.group(1) : "";
        })
        .thenComparingInt(p -> {
          var m = numbered.matcher(p.origin());
          return m.matches() ? Integer.parseInt(m.group(2)) : 0;
        })).toList();
  }

  /**
   * The column check of {@link #check} against the columns a read produced, for sources whose probe cannot name them
   * (CSV without a header, JSON, a JDBC query): the config's columns must be there.
   *
   * @throws InvalidInputException naming each missing column with the key that asks for it
   */
  public static void checkReadColumns(PipelineConfig pipeline, List<String> columns) {
    List<ConfigProblem> problems = new ArrayList<>();
    checkColumns(pipeline, columns, new ConfigReader(com.typesafe.config.ConfigFactory.empty()), problems);
    if (problems.isEmpty()) {
      return;
    }
    StringBuilder message = new StringBuilder("the data read does not have the columns the config names:");
    for (ConfigProblem problem : problems) {
      message.append(System.lineSeparator()).append("  - ").append(problem.key()).append(": ")
          .append(problem.message());
    }
    if (!columns.isEmpty() && columns.stream().allMatch(c -> c.matches("_c\\d+"))) {
      message.append(System.lineSeparator()).append("  (a CSV file read without source.options.header = true has "
          + "columns named _c0, _c1, ...)");
    }
    throw new InvalidInputException(message.toString());
  }

  /** Adds a problem for every configured column the source does not have. */
  static void checkColumns(PipelineConfig pipeline, List<String> columns, ConfigReader origins,
      List<ConfigProblem> problems) {
    Map<String, List<String>> wanted = new java.util.LinkedHashMap<>();
    wanted.put("features.label", pipeline.features().label().isEmpty() ? List.of()
        : List.of(pipeline.features().label()));
    wanted.put("features.numeric", pipeline.features().numeric());
    wanted.put("features.categorical", pipeline.features().categorical());
    wanted.put("clean.dedup.key", pipeline.clean().dedupKey());
    wanted.put("clean.dedup.latest-by", pipeline.clean().latestBy().map(List::of).orElse(List.of()));
    wanted.put("evaluation.split-by", pipeline.evaluation().splitBy());
    wanted.put("evaluation.time-column", pipeline.evaluation().timeColumn().map(List::of).orElse(List.of()));
    wanted.put("features.impute-by", pipeline.features().imputeBy());
    wanted.put("sample.stratified.column", pipeline.sample().stratifyBy().map(List::of).orElse(List.of()));
    wanted.put("sample.window.column", pipeline.sample().window().map(w -> List.of(w.column())).orElse(List.of()));
    // The declarative features' inputs (log, bins, encodings, text, dates, interactions, derived expressions).
    pipeline.features().inputsByKey().forEach(wanted::putIfAbsent);
    for (String name : pipeline.features().derived().keySet()) {
      if (columns.contains(name)) {
        String key = com.typesafe.config.ConfigUtil.joinPath("features", "derived", name);
        problems.add(new ConfigProblem(origins.originOf(key), key, "'" + name + "' is already a column of the source "
            + "(" + Sources.of(pipeline).uri() + "): a derived column needs a new name"));
      }
    }
    wanted.forEach((key, names) -> {
      for (String name : names) {
        if (!columns.contains(name)) {
          problems.add(new ConfigProblem(origins.originOf(key), key, "column '" + name + "' is not in the source "
              + Sources.of(pipeline).uri() + " (its columns: "
              + String.join(", ", columns) + ")"));
        }
      }
    });
  }
}

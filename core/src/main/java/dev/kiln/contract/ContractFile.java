package dev.kiln.contract;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import dev.kiln.config.ConfigReader;
import dev.kiln.config.HadoopPaths;
import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfig.ColumnContract;
import dev.kiln.config.PipelineConfigParser;
import dev.kiln.errors.ConfigProblem;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.JobFailedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A contract saved as HOCON, {@code <warehouse>/pipelines/<name>/contract.conf}, in the shape of a config's
 * {@code contract.columns}: people read it, edit it and may paste it into their config. Written to a temporary name
 * and renamed into place, so a reader never sees half a file.
 */
public final class ContractFile {

  private ContractFile() {}

  public static String location(PipelineConfig config) {
    return HadoopPaths.child(config.warehouse(), "pipelines/" + config.name() + "/contract.conf");
  }

  /** The saved contract's columns, if the file exists; a file with problems is reported with each of them. */
  public static Optional<List<ColumnContract>> load(String location, Configuration hadoopConf) {
    Path path = new Path(location);
    try {
      FileSystem fs = path.getFileSystem(hadoopConf);
      if (!fs.exists(path)) {
        return Optional.empty();
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (InputStream in = fs.open(path)) {
        in.transferTo(bytes);
      }
      return Optional.of(parse(bytes.toString(StandardCharsets.UTF_8), location));
    } catch (IOException e) {
      throw new JobFailedException("cannot read the saved contract " + location + ": " + e.getMessage(), e);
    }
  }

  static List<ColumnContract> parse(String text, String location) {
    Config config;
    try {
      config = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(location));
    } catch (ConfigException e) {
      throw new InvalidConfigException(List.of(new ConfigProblem(location, "columns", e.getMessage())));
    }
    ConfigReader in = new ConfigReader(config);
    List<ColumnContract> columns = PipelineConfigParser.contractColumns(in, config, "columns");
    List<ConfigProblem> problems = new ArrayList<>(in.unknownKeys());
    problems.addAll(in.problems());
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return columns;
  }

  /** Saves {@code columns} with a header comment saying where they came from. */
  public static void save(List<ColumnContract> columns, String header, String location, Configuration hadoopConf) {
    Path path = new Path(location);
    Path temporary = new Path(path.getParent(), "." + path.getName() + "." + java.util.UUID.randomUUID());
    try {
      FileSystem fs = path.getFileSystem(hadoopConf);
      try (OutputStream out = fs.create(temporary, false)) {
        out.write(render(columns, header).getBytes(StandardCharsets.UTF_8));
      }
      fs.delete(path, false);
      if (!fs.rename(temporary, path)) {
        throw new IOException("could not rename " + temporary + " to " + path);
      }
    } catch (IOException e) {
      throw new JobFailedException("cannot save the contract to " + location + ": " + e.getMessage(), e);
    }
  }

  /** The HOCON text of a contract, one line per column. */
  public static String render(List<ColumnContract> columns, String header) {
    StringBuilder text = new StringBuilder();
    header.lines().forEach(line -> text.append("# ").append(line).append('\n'));
    text.append("columns {\n");
    for (ColumnContract column : columns) {
      List<String> fields = new ArrayList<>();
      fields.add("type = " + column.type());
      fields.add("nullable = " + column.nullable());
      column.min().ifPresent(min -> fields.add("min = " + number(min)));
      column.max().ifPresent(max -> fields.add("max = " + number(max)));
      column.format().ifPresent(format -> fields.add("format = " + ConfigUtil.quoteString(format)));
      if (!column.allowed().isEmpty()) {
        fields.add("allowed = [" + column.allowed().stream().map(ConfigUtil::quoteString)
            .collect(Collectors.joining(", ")) + "]");
      }
      text.append("  ").append(ConfigUtil.joinPath(column.name())).append(" { ")
          .append(String.join(", ", fields)).append(" }\n");
    }
    return text.append("}\n").toString();
  }

  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf((long) value)
        : String.format(Locale.ROOT, "%s", value);
  }
}

package dev.kiln.source;

import dev.kiln.config.PipelineConfig;
import dev.kiln.generate.ChurnDataGenerator;
import dev.kiln.source.jdbc.JdbcSource;

/** Builds the {@link Source} a pipeline config describes. */
public final class Sources {

  private Sources() {}

  public static Source of(PipelineConfig config) {
    PipelineConfig.SourceConfig source = config.source();
    return ShapedSource.of(unshaped(config), source.rename(), source.derive());
  }

  private static Source unshaped(PipelineConfig config) {
    PipelineConfig.SourceConfig source = config.source();
    return switch (source.format()) {
      case "generated" -> new GeneratedSource(
          ChurnDataGenerator.Spec.of(source.generated().rows(), source.generated().seed()), config.warehouse(),
          GeneratedSource.filesFor(source.generated().rows(), 2), source.version());
      case "delta" -> new DeltaSource(source.path().orElseThrow(), source.version(), source.timestamp())
          .after(source.afterVersion());
      case "jdbc" -> new JdbcSource(source.jdbc());
      default -> new FileSource(source.format(), source.path().orElseThrow(), source.options(),
          config.contract().active());
    };
  }
}

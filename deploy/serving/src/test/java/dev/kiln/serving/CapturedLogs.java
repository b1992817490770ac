package dev.kiln.serving;

import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Everything logged while open (through log4j2, the backend Spark brings), with the given loggers at the given levels
 * and written to the capture only.
 */
final class CapturedLogs implements AutoCloseable {

  private final StringWriter text = new StringWriter();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final Map<String, Level> levels;
  private final Map<String, LoggerConfig> replaced = new HashMap<>();
  private final WriterAppender appender;

  CapturedLogs(Map<String, Level> levels) {
    this.levels = levels;
    Configuration config = context.getConfiguration();
    appender = WriterAppender.newBuilder().setName("kiln-serving-test-capture").setTarget(text)
        .setLayout(PatternLayout.newBuilder().withPattern("%p %c: %m%n%ex").build()).build();
    appender.start();
    config.addAppender(appender);
    levels.forEach((name, level) -> {
      LoggerConfig existing = config.getLoggers().get(name);
      if (existing != null) {
        replaced.put(name, existing);
        config.removeLogger(name);
      }
      LoggerConfig capture = new LoggerConfig(name, level, false);
      capture.addAppender(appender, null, null);
      config.addLogger(name, capture);
    });
    context.updateLoggers();
  }

  synchronized String text() {
    return text.toString();
  }

  @Override
  public void close() {
    Configuration config = context.getConfiguration();
    levels.keySet().forEach(config::removeLogger);
    replaced.forEach(config::addLogger);
    context.updateLoggers();
    appender.stop();
  }
}

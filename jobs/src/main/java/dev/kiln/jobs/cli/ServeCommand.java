package dev.kiln.jobs.cli;

import dev.kiln.config.HadoopPaths;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.monitor.AvroPredictionLog;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import dev.kiln.score.ModelSignature;
import dev.kiln.serving.BearerToken;
import dev.kiln.serving.ModelServer;
import dev.kiln.serving.PredictionLogFactory;
import dev.kiln.serving.ServerSettings;
import dev.kiln.serving.SparkModelLoader;
import dev.kiln.serving.VersionResolver;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.util.ShutdownHookManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve a registered model over HTTP: POST /v1/models/NAME/predict scores one record or a batch "
        + "without Spark per request. When the alias moves, the new version is loaded in the background and swapped "
        + "in with no failed request. With a token (--token-file, else the KILN_SERVE_TOKEN environment variable) "
        + "every endpoint but /health/* needs 'Authorization: Bearer <token>'. See docs/serving.md.", "",
        "Example:  bin/kiln serve --model churn-demo@champion",
        "          KILN_SERVE_TOKEN=... bin/kiln serve --model churn-demo@champion --host 0.0.0.0 --port 8080 "
            + "--reload-interval 30s",
        "          curl -s -X POST localhost:8080/v1/models/churn-demo/predict -d @record.json"})
final class ServeCommand extends RegistryCommand {

  /** Counted down to stop a running server: by the JVM's shutdown (Ctrl-C, SIGTERM) or by {@link #stop()}. */
  private static volatile CountDownLatch running = new CountDownLatch(1);
  private static final int SHUTDOWN_PRIORITY = 100;

  @ParentCommand
  Kiln kiln;

  @Option(names = "--model", required = true, paramLabel = "NAME@ALIAS",
      description = "The model to serve: NAME@ALIAS follows the alias, NAME (or NAME@latest) the newest version, "
          + "NAME@VERSION pins one.")
  String model;

  @Option(names = "--host", defaultValue = ServerSettings.DEFAULT_HOST,
      description = "Address to listen on; 0.0.0.0 for every interface. Default: ${DEFAULT-VALUE}.")
  String host;

  @Option(names = "--port", defaultValue = "8080", description = "Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--reload-interval", defaultValue = "10s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How often to ask the registry which version the alias names (e.g. 500ms, 10s, 5m). "
          + "Default: ${DEFAULT-VALUE}.")
  Duration reloadInterval;

  @Option(names = "--max-body-bytes", defaultValue = "1048576",
      description = "Larger request bodies are refused with 413. Default: ${DEFAULT-VALUE}.")
  long maxBodyBytes;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "File holding the bearer token clients must send. Default: the KILN_SERVE_TOKEN environment "
          + "variable; neither means no authentication.")
  Path tokenFile;

  @Option(names = "--prediction-log", paramLabel = "URI",
      description = "Append every prediction (request id, time, version, inputs, outputs, latency) as Avro files "
          + "under this root (a local path or Hadoop URI), one directory per version; `kiln ingest-predictions "
          + "--log-root URI` merges them into Delta. Default: no log.")
  String predictionLog;

  @Option(names = "--prediction-log-roll", defaultValue = "5m", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Complete each prediction log file at most this long after it was opened, so monitoring sees "
          + "predictions this soon (shorter means more, smaller files). Default: ${DEFAULT-VALUE}.")
  Duration predictionLogRoll;

  @Override
  Kiln kiln() {
    return kiln;
  }

  @Override
  void run(DeltaRegistry registry) {
    ModelRef ref = ModelRef.parse(model);
    ServerSettings settings = new ServerSettings(ref, host, port, reloadInterval, maxBodyBytes,
        BearerToken.configured(Optional.ofNullable(tokenFile), kiln.environment()));
    // A typo in the name or alias is an error now, not a server that never becomes ready.
    ModelVersion first = registry.resolve(ref);
    CountDownLatch stop = running;
    Optional<PredictionLogFactory> logs = Optional.ofNullable(predictionLog).map(root -> {
      String qualified = HadoopPaths.qualify(root);
      Configuration hadoop = registry.spark().sparkContext().hadoopConfiguration();
      return version -> new AvroPredictionLog(qualified, version.name(), version.version(),
          ModelSignature.parse(version.signature()), hadoop,
          AvroPredictionLog.Settings.defaults().withMaxFileAge(predictionLogRoll));
    });
    // The registry is polled by listing its logs; Spark runs only after a change (a resolve is several jobs).
    VersionResolver resolver = VersionResolver.askingOnlyAfterChanges(registry::changeToken, registry::resolve);
    ModelServer server = new ModelServer(settings, resolver, SparkModelLoader.pipelineScorer(registry.spark()), logs);
    Runnable shutdown = () -> {
      server.close();
      stop.countDown();
    };
    try {
      server.start();
    } catch (RuntimeException e) {
      server.close();
      throw bindFailure(e).orElseThrow(() -> e);
    }
    // Through Hadoop's hook manager, ahead of Spark's context and the file systems (priority 40 and 10): the last
    // predictions are flushed while the storage they go to is still open.
    ShutdownHookManager.get().addShutdownHook(shutdown, SHUTDOWN_PRIORITY);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("serving %s (now version %d) on http://%s:%d%s%n", ref, first.version(), host, server.port(),
        settings.token().isPresent() ? " (bearer token required)" : "");
    if (predictionLog != null) {
      out.printf("logging predictions under %s%n", HadoopPaths.child(HadoopPaths.qualify(predictionLog), ref.name()));
    }
    out.flush();
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      server.close();
      try {
        ShutdownHookManager.get().removeShutdownHook(shutdown);
      } catch (IllegalStateException alreadyShuttingDown) {
        // The hook is running: it closes the server itself.
      }
    }
  }

  /** Stops a server started by this JVM's {@code kiln serve} (for in-process tests; the CLI stops on a signal). */
  static void stop() {
    CountDownLatch current = running;
    running = new CountDownLatch(1);
    current.countDown();
  }

  private Optional<InvalidInputException> bindFailure(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return Optional.of(new InvalidInputException("cannot listen on " + host + ":" + port + ": " + t.getMessage()));
      }
    }
    return Optional.empty();
  }

  /** {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT10S}). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
      Matcher m = SHORT.matcher(value.strip().toLowerCase(Locale.ROOT));
      if (m.matches()) {
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          default -> Duration.ofHours(amount);
        };
      }
      try {
        return Duration.parse(value);
      } catch (DateTimeParseException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a duration: write e.g. 500ms, 10s, 5m "
            + "or PT10S");
      }
    }
  }
}

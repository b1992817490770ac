package dev.kiln.jobs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.jobs.cli.Kiln;
import dev.kiln.jobs.cli.KilnCli;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the tests of the deployment files (deploy/airflow, deploy/spark/examples, deploy/kubernetes, deploy/docker)
 * share: where the checkout is, the layout of the images, the Java 17 flags, processes, and the CLI's dry run.
 */
final class DeployFiles {

  static final Path REPO = Path.of(System.getProperty("kiln.repo", "..")).toAbsolutePath().normalize();

  /** Where both images (deploy/docker/) put the application jar and the repository's conf/. */
  static final String IMAGE_HOME = "/opt/kiln/";
  static final String IMAGE_JAR = IMAGE_HOME + "kiln.jar";

  /** The application's entry point: what every spark-submit, SparkApplication and image must name. */
  static final String KILN_CLASS = Kiln.class.getName();

  private static final Pattern FLAGS_ARRAY = Pattern.compile("(?s)JAVA17_FLAGS=\\((.*?)\\n\\)");

  private DeployFiles() {}

  /** The Java 17 flags of deploy/spark/common.sh, which bin/kiln and the cluster scripts use: the reference list. */
  static List<String> java17Flags() {
    Matcher array = FLAGS_ARRAY.matcher(read(REPO.resolve("deploy/spark/common.sh")));
    assertTrue(array.find(), "no JAVA17_FLAGS=( ... ) in deploy/spark/common.sh");
    List<String> flags = Arrays.stream(array.group(1).split("\\s+")).filter(f -> !f.isEmpty()).toList();
    assertTrue(flags.size() > 10, "JAVA17_FLAGS: " + flags);
    return flags;
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a process did. */
  record ProcessOutcome(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  /** Runs {@code command} in the checkout's root with {@code environment} added to this JVM's; a minute at most. */
  static ProcessOutcome run(List<String> command, Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile());
    builder.environment().putAll(environment);
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> text(process.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> text(process.getErrorStream()));
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(String.join(" ", command) + " did not end within a minute");
      }
      return new ProcessOutcome(process.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String text(InputStream stream) {
    try (stream) {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The arguments with each path that starts with one of {@code locations}' keys moved under its value: how a file
   * inside an image or a pod ({@code /opt/kiln/conf/...}) is found in this checkout.
   */
  static List<String> localPaths(List<String> args, Map<String, Path> locations) {
    return args.stream().map(arg -> locations.entrySet().stream().filter(l -> arg.startsWith(l.getKey()))
        .findFirst().map(l -> l.getValue().resolve(arg.substring(l.getKey().length())).toString()).orElse(arg))
        .toList();
  }

  /**
   * Runs {@code kiln ARGS --dry-run} in this JVM (no Spark starts: a dry run checks the arguments, the config and
   * the source's metadata) and asserts that Kiln accepted them: exit 0 and no stack trace.
   */
  static KilnCli.Outcome assertDryRunAccepts(String where, List<String> args) {
    List<String> dryRun = new ArrayList<>(args);
    dryRun.add("--dry-run");
    KilnCli.Outcome outcome = KilnCli.run(dryRun.toArray(String[]::new));
    String shown = where + ": kiln " + String.join(" ", dryRun) + "\n" + outcome;
    assertEquals(0, outcome.exitCode(), shown);
    assertFalse(outcome.err().contains("\tat "), shown);
    return outcome;
  }
}

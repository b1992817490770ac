package dev.kiln.jobs;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium} run headless, for tests that look at pages the way a browser shows them. If it is not on
 * the PATH, {@link #ensure(Path)} installs it with the project's {@code testing/chromium/ensure-chromium.sh}; if it
 * still is not there, the test fails (it is never skipped).
 */
public final class HeadlessChromium {

  private static final long TIMEOUT_SECONDS = 120;

  private final Path binary;
  private final Path workDir;

  private HeadlessChromium(Path binary, Path workDir) {
    this.binary = binary;
    this.workDir = workDir;
  }

  /**
   * Chromium, installed first if need be.
   *
   * @param workDir where the browser keeps its profile and where its output is logged
   * @throws IllegalStateException if chromium is missing and the install script cannot provide it
   */
  public static HeadlessChromium ensure(Path workDir) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Optional<Path> found = onPath("chromium");
    if (found.isEmpty()) {
      Path script = Path.of(System.getProperty("kiln.repo", "..")).resolve("testing/chromium/ensure-chromium.sh")
          .toAbsolutePath().normalize();
      Path log = workDir.resolve("ensure-chromium.log");
      Process install = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!install.waitFor(15, TimeUnit.MINUTES)) {
        install.destroyForcibly();
        throw new IllegalStateException("chromium is missing and " + script + " did not finish in 15 minutes: "
            + Files.readString(log));
      }
      found = onPath("chromium");
      if (found.isEmpty()) {
        throw new IllegalStateException("chromium is missing and " + script + " could not install it (exit "
            + install.exitValue() + "):\n" + Files.readString(log));
      }
    }
    return new HeadlessChromium(found.get(), workDir);
  }

  private static Optional<Path> onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Renders {@code page} in a window of the given size and saves what it shows as a PNG. */
  public void screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
    run("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height, "--hide-scrollbars",
        page.toUri().toString());
    if (!Files.isRegularFile(png)) {
      throw new IllegalStateException("chromium wrote no screenshot to " + png + ":\n" + log());
    }
  }

  /** The page's DOM after Chromium has parsed and laid it out, serialised as HTML. */
  public String dumpDom(Path page) throws IOException, InterruptedException {
    return run("--dump-dom", page.toUri().toString());
  }

  /** Runs chromium headless with {@code args}; returns its standard output, its standard error goes to a log. */
  private String run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--disable-gpu", "--no-sandbox",
        "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + workDir.resolve("profile").toAbsolutePath()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(workDir, "chromium", ".out");
    Process chromium = new ProcessBuilder(command).redirectOutput(out.toFile())
        .redirectError(ProcessBuilder.Redirect.appendTo(workDir.resolve("chromium.log").toFile())).start();
    if (!chromium.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      chromium.destroyForcibly().waitFor();
      throw new IllegalStateException("chromium did not finish in " + TIMEOUT_SECONDS + " s: " + command + "\n" + log());
    }
    if (chromium.exitValue() != 0) {
      throw new IllegalStateException("chromium exited " + chromium.exitValue() + ": " + command + "\n" + log());
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private String log() throws IOException {
    Path log = workDir.resolve("chromium.log");
    if (!Files.exists(log)) {
      return "(no output)";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}

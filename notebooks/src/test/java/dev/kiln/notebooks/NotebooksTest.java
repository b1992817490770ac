package dev.kiln.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Executes every notebook in {@code notebooks/} headlessly, as a user's Jupyter runs it: in the Kiln (Java) kernel that
 * {@code notebooks/install-kernel} installs, through Jupyter's client from Debian (installed by
 * {@code testing/jupyter/ensure-jupyter.sh} when missing; the test fails, saying why, when it cannot be), one
 * {@code testing/jupyter/execute-notebook.py} run per notebook, which fails on any cell error and on any output a cell
 * expects but did not print. Then that the runner can fail: on a cell that throws, on a missing expected output, and
 * that a kernel whose first start never answers Jupyter's handshake is started again.
 *
 * <p>The notebooks run on the application jar and Spark's jars that the jobs module built, in their own warehouse
 * ({@code target/notebook-warehouse}); the executed copies, with their outputs, are left in {@code target/executed/}.
 */
class NotebooksTest {

  private static final Path CHECKOUT = Path.of("..").toAbsolutePath().normalize();
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final Path JUPYTER = TARGET.resolve("jupyter");
  private static final Path WAREHOUSE = TARGET.resolve("notebook-warehouse");
  private static final String PYTHON = "/usr/bin/python3";

  @BeforeAll
  static void installJupyterAndTheKernel() throws Exception {
    Run jupyter = run(List.of("bash", CHECKOUT.resolve("testing/jupyter/ensure-jupyter.sh").toString()), Map.of(), 900);
    if (jupyter.exit() != 0) {
      fail("Jupyter's client (Debian's python3-nbclient and friends) is missing and could not be installed, so the "
          + "notebooks cannot run:\n" + jupyter.output());
    }
    Run kernel = run(List.of("bash", CHECKOUT.resolve("notebooks/install-kernel").toString(), "--prefix",
        JUPYTER.toString(), "--no-build"), Map.of(), 120);
    assertEquals(0, kernel.exit(), () -> "notebooks/install-kernel failed:\n" + kernel.output());
    deleteRecursively(WAREHOUSE);
  }

  @TestFactory
  Stream<DynamicTest> everyNotebookRunsToTheEnd() throws IOException {
    List<Path> notebooks;
    try (Stream<Path> files = Files.list(CHECKOUT.resolve("notebooks"))) {
      notebooks = files.filter(f -> f.getFileName().toString().endsWith(".ipynb")).sorted().toList();
    }
    assertTrue(notebooks.size() >= 4, "expected the four notebooks at least, found " + notebooks);
    return notebooks.stream().map(notebook -> DynamicTest.dynamicTest(notebook.getFileName().toString(), () -> {
      Run result = execute(notebook, List.of());
      System.out.println(result.output());
      assertEquals(0, result.exit(), () -> notebook.getFileName() + " failed:\n" + result.output());
    }));
  }

  @Test
  void aCellThatThrowsFailsTheRunAndIsNamed() throws Exception {
    Run result = execute(resource("failing-cell.ipynb"), List.of());
    assertEquals(1, result.exit(), result.output());
    assertTrue(result.output().contains("cell 1 (`int churners = Integer.parseInt(\"not a number\");`)"),
        result.output());
    assertTrue(result.output().contains("NumberFormatException"), result.output());
  }

  @Test
  void aMissingExpectedOutputFailsTheRunAndIsNamed() throws Exception {
    Run result = execute(resource("missing-output.ipynb"), List.of());
    assertEquals(1, result.exit(), result.output());
    assertTrue(result.output().contains("1 expected output(s) missing"), result.output());
    assertTrue(result.output().contains("no output matches /auc_roc \\d/"), result.output());
    assertTrue(result.output().contains("accuracy 0.77"), "the cell's actual output is shown:\n" + result.output());
  }

  /**
   * The kernel's known fault: some starts never answer the handshake. A kernelspec whose first start sleeps instead of
   * starting the kernel stands in for it; the runner gives up on that start and starts the kernel again.
   */
  @Test
  void aKernelThatNeverAnswersIsStartedAgain() throws Exception {
    Path spec = JUPYTER.resolve("kernels/kiln-java/kernel.json");
    Path flakyDir = JUPYTER.resolve("kernels/kiln-java-first-start-hangs");
    Files.createDirectories(flakyDir);
    Path marker = flakyDir.resolve("started-once");
    Files.deleteIfExists(marker);
    Path script = flakyDir.resolve("first-start-hangs.sh");
    Files.writeString(script, """
        #!/usr/bin/env bash
        # The first start never answers (as a hung kernel); later ones run the real kernel.
        if [ ! -e "$KILN_TEST_MARKER" ]; then touch "$KILN_TEST_MARKER"; exec sleep 600; fi
        exec "$@"
        """);
    ObjectMapper json = new ObjectMapper();
    ObjectNode kernel = (ObjectNode) json.readTree(spec.toFile());
    ArrayNode argv = json.createArrayNode().add("bash").add(script.toString());
    kernel.withArray("argv").forEach(argv::add);
    kernel.set("argv", argv);
    kernel.put("display_name", "Kiln (Java), first start hangs");
    ((ObjectNode) kernel.get("env")).put("KILN_TEST_MARKER", marker.toString());
    json.writerWithDefaultPrettyPrinter().writeValue(flakyDir.resolve("kernel.json").toFile(), kernel);

    Run result = execute(resource("hello.ipynb"),
        List.of("--kernel", "kiln-java-first-start-hangs", "--startup-timeout", "15"));
    assertEquals(0, result.exit(), result.output());
    assertTrue(result.output().contains("did not answer within 15s (attempt 1 of 3)"), result.output());
    assertTrue(result.output().matches("(?s).*ready in [\\d.]+s \\(attempt [23] of 3\\).*"), result.output());
    assertTrue(Files.exists(marker), "the first start ran the hanging script");
  }

  private static Run execute(Path notebook, List<String> options) throws Exception {
    List<String> command = new ArrayList<>(List.of(PYTHON, CHECKOUT.resolve("testing/jupyter/execute-notebook.py")
        .toString(), notebook.toString(), "--output", TARGET.resolve("executed").resolve(notebook.getFileName())
        .toString()));
    command.addAll(options);
    return run(command, Map.of("JUPYTER_PATH", JUPYTER.toString(), "KILN_NOTEBOOK_WAREHOUSE", WAREHOUSE.toString()),
        900);
  }

  private static Path resource(String name) throws IOException {
    Path copy = TARGET.resolve("test-notebooks").resolve(name);
    Files.createDirectories(copy.getParent());
    try (InputStream in = NotebooksTest.class.getResourceAsStream(name)) {
      Files.write(copy, in.readAllBytes());
    }
    return copy;
  }

  private record Run(int exit, String output) {}

  private static Run run(List<String> command, Map<String, String> environment, int timeoutSeconds)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Path log = Files.createTempFile(TARGET, "run-", ".log");
    builder.redirectOutput(log.toFile());
    Process process = builder.start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail(String.join(" ", command) + " did not finish in " + timeoutSeconds + "s:\n" + Files.readString(log));
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.delete(log);
    return new Run(process.exitValue(), output);
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (Files.exists(root)) {
      try (Stream<Path> paths = Files.walk(root)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}

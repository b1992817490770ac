package dev.kiln.jobs.deploy;

import static dev.kiln.jobs.deploy.DeployFiles.IMAGE_HOME;
import static dev.kiln.jobs.deploy.DeployFiles.IMAGE_JAR;
import static dev.kiln.jobs.deploy.DeployFiles.KILN_CLASS;
import static dev.kiln.jobs.deploy.DeployFiles.REPO;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.jobs.SharedSessionFactory;
import dev.kiln.jobs.cli.Kiln;
import dev.kiln.serving.ServerSettings;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/docker/*.Dockerfile, read as text (there is no Docker here): what each image copies exists in the build's
 * output under the names the build gives it, and what it runs is Kiln's jar and main class, with the Java 17 flags.
 */
class DockerfilesTest {

  static final Path DOCKER = REPO.resolve("deploy/docker");

  /** One instruction, its continuation lines joined and comments dropped. */
  record Instruction(String keyword, String arguments) {
    List<String> words() {
      return Arrays.stream(arguments.split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }
  }

  static List<Instruction> instructions(String dockerfile) {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : DeployFiles.read(DOCKER.resolve(dockerfile)).split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
        continue;
      }
      boolean continues = trimmed.endsWith("\\");
      current.append(continues ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
      if (!continues) {
        String text = current.toString().strip();
        int space = text.indexOf(' ');
        instructions.add(new Instruction(text.substring(0, space), text.substring(space + 1).strip()));
        current.setLength(0);
      }
    }
    return instructions;
  }

  static List<Instruction> all(List<Instruction> instructions, String keyword) {
    return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
  }

  static String one(List<Instruction> instructions, String keyword) {
    List<Instruction> found = all(instructions, keyword);
    assertEquals(1, found.size(), keyword);
    return found.get(0).arguments();
  }

  /** Each COPY's sources, keyed by its destination. */
  static Map<String, List<String>> copies(List<Instruction> instructions) {
    return all(instructions, "COPY").stream().collect(Collectors.toMap(
        copy -> copy.words().get(copy.words().size() - 1),
        copy -> copy.words().subList(0, copy.words().size() - 1)));
  }

  /** The file names of the jars on this test's classpath: the artifacts and versions the build resolves. */
  static Set<String> classpathJars() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(entry -> Path.of(entry).getFileName().toString()).filter(name -> name.endsWith(".jar"))
        .collect(Collectors.toSet());
  }

  @Test
  void theJobImageIsTheSparkOfThisBuildWithKilnsJarAndTheS3Connector() {
    List<Instruction> job = instructions("job.Dockerfile");
    String sparkVersion = org.apache.spark.package$.MODULE$.SPARK_VERSION();
    assertEquals("apache/spark:" + sparkVersion + "-scala2.12-java17-ubuntu", one(job, "FROM"));
    Map<String, List<String>> copies = copies(job);
    assertEquals(List.of("jobs/target/kiln.jar"), copies.get(IMAGE_JAR));
    assertEquals(List.of("conf/"), copies.get(IMAGE_HOME + "conf/"));
    List<String> connector = copies.get("/opt/spark/jars/");
    assertEquals(2, connector.size(), "hadoop-aws and the AWS SDK bundle: " + connector);
    Set<String> resolved = classpathJars();
    for (String jar : connector) {
      assertTrue(jar.startsWith("jobs/target/spark-jars/"), jar);
      assertTrue(resolved.contains(Path.of(jar).getFileName().toString()),
          jar + " is not the version this build resolves: " + resolved.stream().filter(j -> j.startsWith("hadoop-aws")
              || j.startsWith("aws-java-sdk")).toList());
    }
    // The base image's entrypoint starts drivers and executors; overriding it would break Spark on Kubernetes.
    assertEquals(List.of(), all(job, "ENTRYPOINT"));
    assertEquals(List.of(), all(job, "CMD"));
  }

  @Test
  void theServingImageRunsKilnWithSparksJarsAndTheJava17Flags() throws Exception {
    List<Instruction> serve = instructions("serve.Dockerfile");
    assertTrue(one(serve, "FROM").startsWith("eclipse-temurin:17-jre"), one(serve, "FROM"));
    Map<String, List<String>> copies = copies(serve);
    assertEquals(List.of("jobs/target/kiln.jar"), copies.get(IMAGE_JAR));
    assertEquals(List.of("jobs/target/spark-jars/"), copies.get(IMAGE_HOME + "spark-jars/"));

    ObjectMapper json = new ObjectMapper();
    List<String> entrypoint = Arrays.asList(json.readValue(one(serve, "ENTRYPOINT"), String[].class));
    List<String> flags = DeployFiles.java17Flags();
    List<String> expected = new ArrayList<>(List.of("java"));
    expected.addAll(flags);
    expected.addAll(List.of("-cp", IMAGE_JAR + ":" + IMAGE_HOME + "spark-jars/*", KILN_CLASS));
    assertEquals(expected, entrypoint);
    assertDoesNotThrow(() -> Class.forName(KILN_CLASS));

    // The default arguments are a command the CLI knows, and the port the image exposes is serve's default.
    String[] cmd = json.readValue(one(serve, "CMD"), String[].class);
    assertEquals("serve", Kiln.commandLine(new Kiln(new SharedSessionFactory(), Map.of())).parseArgs(cmd)
        .subcommand().commandSpec().name());
    assertEquals(String.valueOf(ServerSettings.DEFAULT_PORT), one(serve, "EXPOSE"));
    assertTrue(all(serve, "ENV").stream().anyMatch(env -> env.arguments().equals("SPARK_LOCAL_IP=127.0.0.1")));
  }

  /** The build context is the repository's root, narrowed by .dockerignore: it must admit what the images copy. */
  @Test
  void theDockerignoreAdmitsEverythingTheImagesCopy() {
    List<String> lines = DeployFiles.read(REPO.resolve(".dockerignore")).lines().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    assertEquals("*", lines.get(0), "everything is excluded first");
    List<String> admitted = lines.stream().filter(l -> l.startsWith("!")).map(l -> l.substring(1)).toList();
    for (String dockerfile : List.of("job.Dockerfile", "serve.Dockerfile")) {
      for (List<String> sources : copies(instructions(dockerfile)).values()) {
        for (String source : sources) {
          assertTrue(admitted.stream().anyMatch(a -> source.equals(a) || source.startsWith(a.endsWith("/") ? a
              : a + "/")), dockerfile + " copies " + source + ", which .dockerignore leaves out: " + admitted);
        }
      }
    }
  }
}

package dev.kiln.jobs.deploy;

import static dev.kiln.jobs.deploy.DeployFiles.IMAGE_JAR;
import static dev.kiln.jobs.deploy.DeployFiles.KILN_CLASS;
import static dev.kiln.jobs.deploy.DeployFiles.REPO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfigParser;
import dev.kiln.jobs.SharedSessionFactory;
import dev.kiln.jobs.cli.Kiln;
import dev.kiln.registry.ModelRef;
import dev.kiln.serving.BearerToken;
import dev.kiln.serving.ModelServer;
import dev.kiln.serving.ServerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * deploy/kubernetes, checked without a cluster: every file parses as YAML, the kustomization lists them all, the
 * spark-operator applications submit Kiln's jar and class with arguments the CLI accepts (a dry run in this JVM),
 * and the serving Deployment's probes reach endpoints a real {@link ModelServer} serves, on the port and host its
 * {@code kiln serve} arguments give it.
 */
class KubernetesManifestsTest {

  static final Path MANIFESTS = REPO.resolve("deploy/kubernetes");
  /** Where the pods mount the ConfigMap kiln-pipeline. */
  static final String PIPELINE_MOUNT = "/etc/kiln";
  static final Set<String> SPARK_APPLICATIONS = Set.of("SparkApplication", "ScheduledSparkApplication");

  static List<JsonNode> documents = new ArrayList<>();

  @BeforeAll
  static void parseEveryManifest() throws IOException {
    ObjectMapper json = new ObjectMapper();
    for (Path file : yamlFiles()) {
      Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
      try (InputStream in = Files.newInputStream(file)) {
        for (Object document : yaml.loadAll(in)) {
          JsonNode node = json.valueToTree(document);
          assertTrue(node.hasNonNull("apiVersion") && node.hasNonNull("kind"), file + ": " + node);
          documents.add(node);
        }
      }
    }
  }

  static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> files = Files.list(MANIFESTS)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @Test
  void theKustomizationListsEveryManifestAndGeneratesThePipelineConfigMap() throws IOException {
    JsonNode kustomization = only("Kustomization", "");
    Set<String> listed = new TreeSet<>(texts(kustomization.get("resources")));
    Set<String> present = new TreeSet<>(yamlFiles().stream().map(f -> f.getFileName().toString())
        .filter(name -> !name.equals("kustomization.yaml")).toList());
    assertEquals(present, listed);
    JsonNode generator = kustomization.get("configMapGenerator").get(0);
    assertEquals("kiln-pipeline", generator.get("name").asText());
    assertEquals(List.of("pipeline.conf"), texts(generator.get("files")));
    assertTrue(kustomization.at("/generatorOptions/disableNameSuffixHash").asBoolean(),
        "the SparkApplications name the ConfigMap where kustomize cannot rewrite a hashed name");
  }

  /** The mounted pipeline config is a valid config; its data is in S3, out of reach here, so no preflight. */
  @Test
  void theMountedPipelineConfigParses() {
    PipelineConfigParser.Result parsed = PipelineConfigParser.parse(ConfigLayers.load(
        MANIFESTS.resolve("pipeline.conf"), Map.of(), List.of()));
    assertEquals(List.of(), parsed.problems());
  }

  /** One dynamic test per spark-operator application. */
  @TestFactory
  List<DynamicTest> everySparkApplicationRunsKilnWithArgumentsTheCliAccepts() {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode document : documents) {
      if (!SPARK_APPLICATIONS.contains(document.get("kind").asText())) {
        continue;
      }
      String name = document.at("/metadata/name").asText();
      JsonNode spec = document.get("kind").asText().equals("SparkApplication") ? document.get("spec")
          : document.at("/spec/template");
      List<String> args = texts(spec.get("arguments"));
      tests.add(DynamicTest.dynamicTest(name + ": kiln " + String.join(" ", args), () -> {
        assertEquals("sparkoperator.k8s.io/v1beta2", document.get("apiVersion").asText(), name);
        assertEquals("Java", spec.get("type").asText(), name);
        assertEquals(KILN_CLASS, spec.get("mainClass").asText(), name);
        assertEquals("local://" + IMAGE_JAR, spec.get("mainApplicationFile").asText(), name);
        assertEquals(org.apache.spark.package$.MODULE$.SPARK_VERSION(), spec.get("sparkVersion").asText(), name);
        assertTrue(spec.get("image").asText().contains("/kiln-job:"), name + " runs the job image");
        assertEquals("kiln-spark", spec.at("/driver/serviceAccount").asText(), name + ": spark-rbac.yaml's account");
        assertEquals(PIPELINE_MOUNT, mountPath(spec.get("driver"), configMapVolume(spec.get("volumes"))), name);
        assertTrue(args.contains(PIPELINE_MOUNT + "/pipeline.conf"), name + " reads the mounted config");
        // The mounted config points at S3 (parsed above): the dry run checks the arguments with the demo
        // pipeline, whose generated source needs no store, in its place.
        DeployFiles.assertDryRunAccepts(name, DeployFiles.localPaths(args,
            Map.of(PIPELINE_MOUNT + "/pipeline.conf", REPO.resolve("conf/pipelines/demo.conf"))));
      }));
    }
    assertEquals(3, tests.size(), "spark-operator applications");
    return tests;
  }

  @Test
  void theServingDeploymentIsWiredToItsServiceAutoscalerAndBudget() {
    JsonNode deployment = only("Deployment", "kiln-serve");
    JsonNode labels = deployment.at("/spec/template/metadata/labels");
    assertEquals(deployment.at("/spec/selector/matchLabels"), labels);
    assertEquals(labels, only("Service", "kiln-serve").at("/spec/selector"));
    assertEquals(labels, only("PodDisruptionBudget", "kiln-serve").at("/spec/selector/matchLabels"));
    assertEquals("http", only("Service", "kiln-serve").at("/spec/ports/0/targetPort").asText());
    JsonNode autoscaler = only("HorizontalPodAutoscaler", "kiln-serve");
    assertEquals("Deployment", autoscaler.at("/spec/scaleTargetRef/kind").asText());
    assertEquals("kiln-serve", autoscaler.at("/spec/scaleTargetRef/name").asText());
    assertTrue(container().get("image").asText().contains("/kiln-serve:"), "runs the serving image");
  }

  /**
   * The container's arguments are {@code kiln serve}'s, parsed by the CLI itself: it listens on every interface
   * (the kubelet's probes come from outside the pod) on the port the probes name, and reads the token and the
   * config from the volumes mounted for them.
   */
  @Test
  void theServeArgumentsListenWhereTheProbesLookAndReadTheMountedTokenAndConfig() {
    JsonNode container = container();
    ParseResult parsed = Kiln.commandLine(new Kiln(new SharedSessionFactory(), Map.of()))
        .parseArgs(texts(container.get("args")).toArray(String[]::new));
    ParseResult serve = parsed.subcommand();
    assertNotNull(serve, "a kiln command");
    assertEquals("serve", serve.commandSpec().name());
    assertEquals("0.0.0.0", serve.matchedOptionValue("--host", ServerSettings.DEFAULT_HOST));
    int port = serve.matchedOptionValue("--port", ServerSettings.DEFAULT_PORT);
    assertEquals(port, containerPort(container, "http"));
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertEquals("http", container.at("/" + probe + "/httpGet/port").asText(), probe);
    }

    JsonNode volumes = only("Deployment", "kiln-serve").at("/spec/template/spec/volumes");
    Path tokenFile = serve.matchedOptionValue("--token-file", (Path) null);
    assertNotNull(tokenFile, "the service requires a bearer token");
    JsonNode tokenVolume = volume(volumes, "token");
    assertEquals("kiln-serve-token", tokenVolume.at("/secret/secretName").asText());
    assertEquals(tokenFile.getFileName().toString(), tokenVolume.at("/secret/items/0/path").asText());
    assertEquals(tokenFile.getParent().toString(), mountPath(container, "token"));
    Path config = serve.matchedOptionValue("--config", (Path) null);
    assertEquals(Path.of(PIPELINE_MOUNT, "pipeline.conf"), config);
    assertEquals("kiln-pipeline", volume(volumes, configMapVolume(volumes)).at("/configMap/name").asText());
    assertEquals(PIPELINE_MOUNT, mountPath(container, configMapVolume(volumes)));
    ModelRef.parse(serve.matchedOptionValue("--model", ""));
  }

  /**
   * The probes' paths, asked of a real {@link ModelServer} (no Spark: its model never loads) that requires a bearer
   * token, without one: liveness and startup get 200, readiness 503 "loading" until a version has loaded. A wrong
   * path would get 404, a path behind the token 401.
   */
  @Test
  void theProbesReachTheServersHealthEndpointsWithoutTheToken() throws Exception {
    JsonNode container = container();
    ServerSettings settings = ServerSettings.of(ModelRef.parse("churn@champion")).withPort(0)
        .withToken(Optional.of(BearerToken.of("a-token-the-probes-do-not-send")));
    try (ModelServer server = new ModelServer(settings, ref -> {
      throw new IllegalStateException("no registry in this test");
    }, version -> fail("nothing to load"), Optional.empty()).start()) {
      HttpClient client = HttpClient.newHttpClient();
      for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
        String path = container.at("/" + probe + "/httpGet/path").asText();
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        if (probe.equals("readinessProbe")) {
          assertEquals(503, answer.statusCode(), probe + " " + path + ": " + answer.body());
          assertEquals("loading", new ObjectMapper().readTree(answer.body()).get("status").asText());
        } else {
          assertEquals(200, answer.statusCode(), probe + " " + path + ": " + answer.body());
        }
      }
    }
  }

  private static JsonNode container() {
    JsonNode containers = only("Deployment", "kiln-serve").at("/spec/template/spec/containers");
    assertEquals(1, containers.size());
    return containers.get(0);
  }

  /** The one document of {@code kind} (and {@code name}, unless empty). */
  private static JsonNode only(String kind, String name) {
    List<JsonNode> found = documents.stream().filter(d -> d.get("kind").asText().equals(kind))
        .filter(d -> name.isEmpty() || d.at("/metadata/name").asText().equals(name)).toList();
    assertEquals(1, found.size(), kind + " " + name);
    return found.get(0);
  }

  private static int containerPort(JsonNode container, String portName) {
    for (JsonNode port : container.get("ports")) {
      if (port.get("name").asText().equals(portName)) {
        return port.get("containerPort").asInt();
      }
    }
    return fail("no container port named " + portName);
  }

  private static JsonNode volume(JsonNode volumes, String name) {
    for (JsonNode volume : volumes) {
      if (volume.get("name").asText().equals(name)) {
        return volume;
      }
    }
    return fail("no volume " + name);
  }

  /** The name of the volume that holds the ConfigMap kiln-pipeline. */
  private static String configMapVolume(JsonNode volumes) {
    for (JsonNode volume : volumes) {
      if (volume.at("/configMap/name").asText().equals("kiln-pipeline")) {
        return volume.get("name").asText();
      }
    }
    return fail("no volume of the ConfigMap kiln-pipeline");
  }

  private static String mountPath(JsonNode container, String volume) {
    for (JsonNode mount : container.get("volumeMounts")) {
      if (mount.get("name").asText().equals(volume)) {
        return mount.get("mountPath").asText();
      }
    }
    return fail("volume " + volume + " is not mounted");
  }

  private static List<String> texts(JsonNode array) {
    assertNotNull(array);
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }
}

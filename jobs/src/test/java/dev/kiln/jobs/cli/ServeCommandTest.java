package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import dev.kiln.testing.SharedSpark;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln serve}: its help and refusals, and a real model served until the command is stopped. */
class ServeCommandTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  @Test
  void helpShowsAnExampleAndEveryOption() {
    KilnCli.Outcome help = KilnCli.run("serve", "--help");
    assertEquals(0, help.exitCode(), help.toString());
    for (String expected : new String[] {"Example:", "--model", "--port", "--host", "--reload-interval",
        "--max-body-bytes", "--token-file", "KILN_SERVE_TOKEN", "--registry", "--prediction-log"}) {
      assertTrue(help.out().contains(expected), expected + " in:\n" + help.out());
    }
  }

  @Test
  void badOptionsAndUnknownModelsExitWithTwo() {
    String registry = dir.resolve("registry").toString();
    KilnCli.Outcome unknown = KilnCli.run("serve", "--model", "nope@champion", "--registry", registry);
    assertEquals(2, unknown.exitCode(), unknown.toString());
    assertTrue(unknown.err().contains("no model nope@champion"), unknown.err());
    KilnCli.Outcome interval = KilnCli.run("serve", "--model", "nope@champion", "--reload-interval", "soon");
    assertEquals(2, interval.exitCode(), interval.toString());
    assertTrue(interval.err().contains("'soon' is not a duration"), interval.err());
    KilnCli.Outcome port = KilnCli.run("serve", "--model", "nope@champion", "--port", "70000", "--registry", registry);
    assertEquals(2, port.exitCode(), port.toString());
    assertTrue(port.err().contains("port 70000 is not between 0 and 65535"), port.err());
    KilnCli.Outcome noModel = KilnCli.run("serve");
    assertEquals(2, noModel.exitCode(), noModel.toString());
    assertTrue(noModel.err().contains("--model"), noModel.err());
  }

  @Test
  void servesARegisteredModelWithATokenUntilStopped() throws Exception {
    Path conf = dir.resolve("serve.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = serve-cli
        source { format = generated, generated { rows = 2000, seed = 3 } }
        features { label = churned, numeric = [tenure_months, monthly_charges], categorical = [plan] }
        model { algorithm = logistic-regression, params { maxIter = 10 } }
        spark.partitions = 2
        """.formatted(dir.resolve("wh")));
    KilnCli.Outcome run = KilnCli.run("run", conf.toString());
    assertEquals(0, run.exitCode(), run.toString());
    String registry = dir.resolve("wh/registry").toString();
    assertEquals(0, KilnCli.run("models", "alias", "serve-cli", "champion", "1", "--registry", registry).exitCode());
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, "file-token\n");
    int port = ServeCommandAccess.freePort();

    CompletableFuture<KilnCli.Outcome> serving = CompletableFuture.supplyAsync(() -> KilnCli.run(
        Map.of("KILN_SERVE_TOKEN", "environment-token"), "serve", "--model", "serve-cli@champion", "--registry",
        registry, "--port", String.valueOf(port), "--token-file", tokenFile.toString(), "--reload-interval", "1s",
        "--prediction-log", dir.resolve("predictions").toString()));
    String requestId;
    try {
      String base = "http://127.0.0.1:" + port;
      ServeCommandAccess.awaitReady(base + "/health/ready", serving);
      String record = "{\"tenure_months\": 12, \"monthly_charges\": 70, \"plan\": \"basic\"}";
      assertEquals(401, post(base + "/v1/models/serve-cli/predict", record, "environment-token").statusCode(),
          "the token file wins over the environment");
      HttpResponse<String> predicted = post(base + "/v1/models/serve-cli/predict", record, "file-token");
      assertEquals(200, predicted.statusCode(), predicted.body());
      assertTrue(predicted.body().matches("\\{\"model\":\"serve-cli\",\"version\":1,\"predictions\":\\[\\{"
          + "\"prediction\":[01]\\.0,\"probability\":\\[.*"), predicted.body());
      requestId = predicted.body().replaceAll(".*\"request_id\":\"([^\"]+)\".*", "$1");
    } finally {
      ServeCommandAccess.stop();
    }
    KilnCli.Outcome stopped = serving.get(1, TimeUnit.MINUTES);
    assertEquals(0, stopped.exitCode(), stopped.toString());
    assertTrue(stopped.out().contains("serving serve-cli@champion (now version 1) on http://127.0.0.1:" + port
        + " (bearer token required)"), stopped.out());
    assertTrue(!stopped.toString().contains("file-token"), "the token is never printed: " + stopped);
    assertTrue(stopped.out().contains("logging predictions under file:" + dir.resolve("predictions/serve-cli")),
        stopped.out());
    // Stopping flushed the log: the one scored record is in an Avro file of version 1.
    List<Row> logged = SharedSpark.session().read().format("avro")
        .load(dir.resolve("predictions/serve-cli/version=1").toString()).collectAsList();
    assertEquals(1, logged.size(), logged.toString());
    assertEquals(requestId, logged.get(0).getAs("request_id"));
    assertEquals(12, ((Row) logged.get(0).getAs("inputs")).<Integer>getAs("tenure_months"));
  }

  private static HttpResponse<String> post(String url, String body, String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

}

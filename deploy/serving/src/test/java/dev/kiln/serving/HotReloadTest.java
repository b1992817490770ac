package dev.kiln.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.registry.ModelRef;
import dev.kiln.testing.UsesSpark;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The hot-reload check: clients predict continuously while the alias moves to another version; the server's
 * own poll finds the move, loads the new version in the background and swaps it in. No request fails, answers switch
 * to the new version, each answer is the one its version gives, and once a client has seen the new version no
 * request sent after that comes back from the old one.
 */
@UsesSpark
class HotReloadTest {

  private static final int CLIENTS = 4;

  /** One answered request: when it was sent and answered (System.nanoTime), and by which version. */
  private record Exchange(long sent, long answered, long version) {}

  @Test
  void movingTheAliasUnderLoadFailsNoRequestAndSwitchesEveryLaterRequest(SparkSession spark) throws Exception {
    TrainedModels models = TrainedModels.get();
    models.registry.setAlias(TrainedModels.NAME, "champion", models.first.version(), "before the reload test");
    String predict = "/v1/models/" + TrainedModels.NAME + "/predict";
    ConcurrentLinkedQueue<Exchange> exchanges = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicLong firstNewAnswer = new AtomicLong(Long.MAX_VALUE);
    AtomicBoolean stop = new AtomicBoolean();

    try (ModelServer server = new ModelServer(ServerSettings.of(ModelRef.parse(TrainedModels.NAME + "@champion"))
        .withPort(0).withReloadInterval(Duration.ofMillis(500)), models.registry::resolve,
        SparkModelLoader.pipelineScorer(spark), Optional.empty()).start()) {
      Http http = new Http(server.port());
      http.awaitReady(Duration.ofMinutes(2));
      ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        clients.add(pool.submit(() -> {
          for (int n = 0; !stop.get(); n++) {
            int index = (client * 7 + n) % models.records.size();
            long sent = System.nanoTime();
            Http.Response response;
            try {
              response = http.post(predict, Json.write(models.records.get(index)));
            } catch (RuntimeException e) {
              failures.add("record " + index + ": " + e);
              continue;
            }
            long answered = System.nanoTime();
            if (response.status() != 200) {
              failures.add("record " + index + ": " + response);
              continue;
            }
            JsonNode json = response.json();
            long version = json.get("version").asLong();
            double[] expected = models.expected(version, index);
            double probability = json.get("predictions").get(0).get("probability").get(1).asDouble();
            if (Math.abs(expected[1] - probability) > 1e-9) {
              failures.add("record " + index + " answered " + probability + " as version " + version + ", which "
                  + "gives " + expected[1]);
            }
            if (version == models.second.version()) {
              firstNewAnswer.accumulateAndGet(answered, Math::min);
            }
            exchanges.add(new Exchange(sent, answered, version));
          }
        }));
      }
      awaitAnswers(exchanges, 200);
      models.registry.setAlias(TrainedModels.NAME, "champion", models.second.version(), "hot reload under load");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (firstNewAnswer.get() == Long.MAX_VALUE && System.nanoTime() < deadline && failures.isEmpty()) {
        Thread.sleep(20);
      }
      int atSwitch = exchanges.size();
      awaitAnswers(exchanges, atSwitch + 200);
      stop.set(true);
      for (Future<?> client : clients) {
        client.get(1, TimeUnit.MINUTES);
      }
      pool.shutdown();
      assertTrue(http.get("/metrics").body().contains("kiln_serving_model_version{model=\"" + TrainedModels.NAME
          + "\"} " + models.second.version() + ".0"));
    }

    assertEquals(List.of(), List.copyOf(failures), "no request failed or was answered wrongly");
    long oldAnswers = exchanges.stream().filter(e -> e.version() == models.first.version()).count();
    long newAnswers = exchanges.stream().filter(e -> e.version() == models.second.version()).count();
    assertTrue(oldAnswers >= 200 && newAnswers >= 200, "old " + oldAnswers + ", new " + newAnswers);
    long first = firstNewAnswer.get();
    List<Exchange> late = exchanges.stream().filter(e -> e.version() == models.first.version() && e.sent() > first)
        .toList();
    assertEquals(List.of(), late, "requests sent after the first answer from the new version that the old one "
        + "answered");
  }

  private static void awaitAnswers(ConcurrentLinkedQueue<Exchange> exchanges, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (exchanges.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(exchanges.size() >= count, "only " + exchanges.size() + " answers, expected " + count);
  }
}

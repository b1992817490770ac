package dev.kiln.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.registry.ModelRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthenticationTest {

  private static final String TOKEN = "kiln-test-token-4f1c9e";
  private static final String RECORD = "{\"tenure\": 30, \"charges\": 42.5, \"plan\": \"basic\"}";

  @TempDir
  Path dir;

  /**
   * Part of serving under fire: 2,000 seeded requests without a valid token — none, a wrong or truncated one, another
   * scheme, odd Unicode in the header — with good and broken bodies on every route. Each is refused (401, or 404/405
   * for a route or method that does not exist) and none gets a 5xx; a valid token still gets an answer after.
   */
  @Test
  void twoThousandRequestsWithoutAValidTokenAreRefusedAndNoneGetsAServerError() {
    FakeRegistry registry = new FakeRegistry();
    java.util.Random random = new java.util.Random(20261122);
    Map<Integer, Integer> statuses = new java.util.TreeMap<>();
    try (ModelServer server = new ModelServer(ServerSettings.of(ModelRef.parse("churn@champion")).withPort(0)
        .withToken(Optional.of(BearerToken.of(TOKEN))), registry, registry, Optional.empty()).start()) {
      Http anonymous = new Http(server.port());
      anonymous.awaitReady(Duration.ofSeconds(30));
      String[] paths = {"/v1/models/churn/predict", "/v1/models", "/v1/models/churn", "/metrics", "/openapi.json",
          "/v1/models/other/predict", "/v1/models/churn/predict/extra"};
      String[] bodies = {RECORD, "{\"records\": [" + RECORD + "]}", "{", "[]", "{\"tenure\": \"\u00e9\u4e2d\"}",
          "\"" + "x".repeat(5_000) + "\""};
      for (int i = 0; i < 2_000; i++) {
        HttpRequestKind kind = HttpRequestKind.values()[i % HttpRequestKind.values().length];
        String path = paths[random.nextInt(paths.length)];
        java.net.http.HttpRequest.Builder request = anonymous.request(path);
        switch (kind) {
          case NO_HEADER -> { }
          case WRONG_TOKEN -> request.header("Authorization", "Bearer " + TOKEN.substring(0, 1 + random.nextInt(
              TOKEN.length() - 1)));
          case EMPTY_BEARER -> request.header("Authorization", "Bearer ");
          case OTHER_SCHEME -> request.header("Authorization", List.of("Basic ", "Digest ", "token ", "")
              .get(random.nextInt(4)) + TOKEN);
          case ODD_CHARACTERS -> request.header("Authorization", "Bearer " + TOKEN + " " + "\u00ff".repeat(1
              + random.nextInt(50)));
          case LONG_TOKEN -> request.header("Authorization", "Bearer " + "k".repeat(1 + random.nextInt(6_000)));
        }
        String body = bodies[random.nextInt(bodies.length)];
        // Mostly the route's own method; one in five another.
        boolean predict = path.endsWith("/predict");
        String method = random.nextInt(5) == 0 ? (predict ? "PUT" : "DELETE") : predict ? "POST" : "GET";
        Http.Response answer = anonymous.send(request.method(method, "GET".equals(method)
            ? java.net.http.HttpRequest.BodyPublishers.noBody()
            : java.net.http.HttpRequest.BodyPublishers.ofString(body)));
        statuses.merge(answer.status(), 1, Integer::sum);
        assertTrue(answer.status() < 500, kind + " " + method + " -> " + answer);
        assertTrue(List.of(401, 404, 405).contains(answer.status()), kind + " " + method + " -> " + answer);
      }
      System.out.println("requests without a valid token by status: " + statuses);
      assertTrue(statuses.getOrDefault(401, 0) > 1_000, statuses.toString());
      Http.Response predicted = anonymous.withToken(TOKEN).post("/v1/models/churn/predict", RECORD);
      assertEquals(200, predicted.status(), predicted.toString());
    }
  }

  /** How a request without a valid token goes wrong. */
  private enum HttpRequestKind { NO_HEADER, WRONG_TOKEN, EMPTY_BEARER, OTHER_SCHEME, ODD_CHARACTERS, LONG_TOKEN }

  @Test
  void withATokenEveryRequestButTheHealthChecksNeedsIt() {
    FakeRegistry registry = new FakeRegistry();
    List<Http.Response> answers = new ArrayList<>();
    String logs;
    try (CapturedLogs captured = new CapturedLogs(Map.of("dev.kiln", Level.DEBUG, "io.javalin", Level.DEBUG));
        ModelServer server = new ModelServer(ServerSettings.of(ModelRef.parse("churn@champion")).withPort(0)
            .withToken(Optional.of(BearerToken.of(TOKEN))), registry, registry, Optional.empty()).start()) {
      Http anonymous = new Http(server.port());
      anonymous.awaitReady(Duration.ofSeconds(30));
      assertEquals(200, anonymous.get("/health/live").status());

      for (String path : new String[] {"/v1/models", "/v1/models/churn", "/metrics", "/openapi.json"}) {
        Http.Response refused = anonymous.get(path);
        answers.add(refused);
        assertEquals(401, refused.status(), path + " -> " + refused);
        assertEquals("unauthorized", refused.json().get("error").get("code").asText());
        assertEquals("Bearer realm=\"kiln\"", refused.header("WWW-Authenticate"));
      }
      Http.Response noToken = anonymous.post("/v1/models/churn/predict", RECORD);
      assertEquals(401, noToken.status(), noToken.toString());

      Http.Response wrong = anonymous.withToken(TOKEN + "x").post("/v1/models/churn/predict", RECORD);
      answers.add(wrong);
      assertEquals(401, wrong.status(), wrong.toString());
      assertTrue(wrong.header("WWW-Authenticate").contains("error=\"invalid_token\""), wrong.toString());
      Http.Response basic = anonymous.send(anonymous.request("/v1/models").header("Authorization", "Basic " + TOKEN));
      answers.add(basic);
      assertEquals(401, basic.status());
      assertEquals(401, anonymous.withToken("").get("/v1/models").status());

      Http client = anonymous.withToken(TOKEN);
      Http.Response predicted = client.post("/v1/models/churn/predict", RECORD);
      answers.add(predicted);
      assertEquals(200, predicted.status(), predicted.toString());
      assertEquals(200, client.get("/v1/models").status());
      assertEquals(200, client.get("/metrics").status());
      Http.Response api = client.get("/openapi.json");
      assertEquals(200, api.status());
      assertEquals("bearer", api.json().get("components").get("securitySchemes").get("bearer").get("scheme").asText());
      assertEquals(0, api.json().get("paths").get("/health/ready").get("get").get("security").size());
      // The scheme's name is case-insensitive (RFC 7235).
      assertEquals(200, client.send(client.request("/v1/models").setHeader("Authorization", "bearer " + TOKEN))
          .status());
      assertTrue(client.get("/metrics").body().contains("kiln_serving_errors_total{code=\"unauthorized\"}"));
      logs = captured.text();
    }
    assertTrue(logs.contains("auth bearer token"), "the startup line was captured: " + logs);
    assertFalse(logs.contains(TOKEN), "the token is in the log:\n" + logs);
    for (Http.Response answer : answers) {
      assertFalse(answer.body().contains(TOKEN), answer.toString());
      assertFalse(answer.raw().headers().toString().contains(TOKEN), answer.raw().headers().toString());
    }
  }

  @Test
  void theTokenComesFromTheFileElseTheEnvironmentAndNeverShows() throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, TOKEN + "\n");
    BearerToken fromFile = BearerToken.configured(Optional.of(file), Map.of(BearerToken.ENVIRONMENT_VARIABLE, "other"))
        .orElseThrow();
    assertTrue(fromFile.acceptsHeader("Bearer " + TOKEN), "the file wins and its final newline is not part of it");
    assertFalse(fromFile.acceptsHeader("Bearer other"));
    BearerToken fromEnvironment = BearerToken.configured(Optional.empty(),
        Map.of(BearerToken.ENVIRONMENT_VARIABLE, TOKEN)).orElseThrow();
    assertTrue(fromEnvironment.acceptsHeader("Bearer " + TOKEN));
    assertFalse(fromEnvironment.acceptsHeader(TOKEN), "the scheme is required");
    assertFalse(fromEnvironment.acceptsHeader(null));
    assertFalse(fromEnvironment.acceptsHeader("Bearer"));
    assertTrue(BearerToken.configured(Optional.empty(), Map.of()).isEmpty(), "no token: no authentication");
    assertFalse(fromEnvironment.toString().contains(TOKEN));

    Files.writeString(file, "  \n");
    InvalidInputException empty = assertThrows(InvalidInputException.class,
        () -> BearerToken.configured(Optional.of(file), Map.of()));
    assertTrue(empty.getMessage().contains(file.toString()) && empty.getMessage().contains("empty"),
        empty.getMessage());
    InvalidInputException missing = assertThrows(InvalidInputException.class,
        () -> BearerToken.configured(Optional.of(dir.resolve("absent")), Map.of()));
    assertTrue(missing.getMessage().contains("absent"), missing.getMessage());
    InvalidInputException blank = assertThrows(InvalidInputException.class,
        () -> BearerToken.configured(Optional.empty(), Map.of(BearerToken.ENVIRONMENT_VARIABLE, "")));
    assertTrue(blank.getMessage().contains(BearerToken.ENVIRONMENT_VARIABLE), blank.getMessage());
  }
}

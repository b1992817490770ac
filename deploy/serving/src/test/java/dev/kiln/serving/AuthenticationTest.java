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

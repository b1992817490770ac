package dev.kiln.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** A real HTTP client for one server on 127.0.0.1, optionally sending a bearer token. */
final class Http {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private final String base;
  private final Optional<String> token;
  private final boolean pooled;

  Http(int port) {
    this(port, Optional.empty(), true);
  }

  private Http(int port, Optional<String> token, boolean pooled) {
    this.base = "http://127.0.0.1:" + port;
    this.token = token;
    this.pooled = pooled;
  }

  Http withToken(String newToken) {
    return new Http(port(), Optional.of(newToken), pooled);
  }

  /**
   * This client on a new connection per request: for requests after which the server may close the connection
   * (a refused header or URI), which a pooled connection would otherwise carry into the next request.
   */
  Http unpooled() {
    return new Http(port(), token, false);
  }

  private int port() {
    return Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
  }

  /** A response with its body as text and, when it is JSON, parsed. */
  record Response(int status, String body, HttpResponse<String> raw) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  Response get(String path) {
    return send(request(path).GET());
  }

  Response post(String path, String body) {
    return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type",
        "application/json"));
  }

  Response method(String method, String path) {
    return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()));
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
    return builder;
  }

  Response send(HttpRequest.Builder request) {
    try {
      HttpClient client = pooled ? CLIENT : HttpClient.newHttpClient();
      HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body(), response);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls {@code /health/ready} until it answers 200. */
  void awaitReady(Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (get("/health/ready").status() != 200) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not ready after " + limit + ": " + get("/health/ready"));
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}

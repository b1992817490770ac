package dev.kiln.jobs.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** What tests need around a {@code kiln serve} running in the test JVM: a port, readiness, stopping it. */
public final class ServeCommandAccess {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private ServeCommandAccess() {}

  /** Stops the server; the command then returns. */
  public static void stop() {
    ServeCommand.stop();
  }

  /** Waits until {@code url} answers 200, failing at once if the command ended instead. */
  public static void awaitReady(String url, CompletableFuture<KilnCli.Outcome> serving) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      if (serving.isDone()) {
        throw new AssertionError("kiln serve ended: " + serving.get());
      }
      try {
        if (HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYetListening) {
        // The command is still opening the registry.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("kiln serve was not ready in time");
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

package dev.kiln.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A constant-rate HTTP load, run in its own JVM by {@link HttpScoring}: POSTs one JSON body per request, cycling
 * through a file of bodies, at a fixed rate (open loop: request {@code i} is due at {@code start + i / rate} whether
 * or not earlier ones have answered). Each latency is measured from when the request was due, not when it was sent,
 * so a stalled server shows in the percentiles instead of slowing the load (no coordinated omission), as wrk2 does.
 *
 * <p>Requests go out on a pool of keep-alive HTTP/1.1 connections, one thread each, written and read with plain
 * sockets: the JDK's {@code HttpClient} alone adds ~0.7 ms per request on this machine (measured: 754 µs median
 * against 89 µs for the same requests over a socket), which would hide the server being measured.
 *
 * <p>Usage: {@code HttpLoadGenerator URL BODIES_FILE RATE WARMUP_SECONDS SECONDS CONNECTIONS RUNS}: one unrecorded
 * warm-up, then {@code RUNS} measured runs, each printed as a {@code RESULT} line (times in microseconds).
 */
public final class HttpLoadGenerator {

  private HttpLoadGenerator() {}

  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    List<byte[]> requests = new ArrayList<>();
    for (String body : Files.readAllLines(Path.of(args[1]))) {
      requests.add(request(url, body));
    }
    int rate = Integer.parseInt(args[2]);
    int warmUp = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    int connections = Integer.parseInt(args[5]);
    int runs = Integer.parseInt(args[6]);
    run(url, requests, rate, warmUp, connections, new Recorder(3_600_000_000L, 3), new AtomicLong());
    for (int r = 0; r < runs; r++) {
      Recorder recorder = new Recorder(3_600_000_000L, 3);
      AtomicLong errors = new AtomicLong();
      long started = System.nanoTime();
      long sent = run(url, requests, rate, seconds, connections, recorder, errors);
      double elapsed = (System.nanoTime() - started) / 1e9;
      Histogram histogram = recorder.getIntervalHistogram();
      System.out.printf(Locale.ROOT, "RESULT p50=%.1f p99=%.1f max=%.1f rate=%.1f count=%d errors=%d sent=%d%n",
          histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(99) / 1e3,
          histogram.getMaxValue() / 1e3, histogram.getTotalCount() / elapsed, histogram.getTotalCount(),
          errors.get(), sent);
      System.out.flush();
    }
  }

  private static byte[] request(URI url, String body) {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    String head = "POST " + url.getRawPath() + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
        + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] whole = new byte[headBytes.length + content.length];
    System.arraycopy(headBytes, 0, whole, 0, headBytes.length);
    System.arraycopy(content, 0, whole, headBytes.length, content.length);
    return whole;
  }

  /** Sends {@code rate × seconds} requests on schedule over {@code connections} connections; waits for every answer. */
  private static long run(URI url, List<byte[]> requests, int rate, int seconds, int connections, Recorder recorder,
      AtomicLong errors) throws InterruptedException {
    long total = (long) rate * seconds;
    long period = 1_000_000_000L / rate;
    AtomicLong next = new AtomicLong();
    long start = System.nanoTime() + 10_000_000L;
    List<Thread> workers = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      Thread worker = new Thread(() -> {
        Connection connection = null;
        for (long i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
          long due = start + i * period;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
          try {
            if (connection == null) {
              connection = new Connection(url);
            }
            if (connection.exchange(requests.get((int) (i % requests.size()))) != 200) {
              errors.incrementAndGet();
            }
          } catch (IOException e) {
            errors.incrementAndGet();
            connection = null;  // reconnect for the next request
          }
          recorder.recordValue(Math.max(1, System.nanoTime() - due));
        }
      }, "load-" + c);
      worker.start();
      workers.add(worker);
    }
    for (Thread worker : workers) {
      worker.join();
    }
    return total;
  }

  /** One keep-alive HTTP/1.1 connection: writes a request, reads the status and the Content-Length body. */
  private static final class Connection {

    private final OutputStream out;
    private final InputStream in;

    Connection(URI url) throws IOException {
      Socket socket = new Socket(url.getHost(), url.getPort());
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(10_000);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream());
    }

    int exchange(byte[] request) throws IOException {
      out.write(request);
      out.flush();
      String status = line();
      int code = Integer.parseInt(status.split(" ")[1]);
      int length = -1;
      for (String header = line(); !header.isEmpty(); header = line()) {
        if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
          length = Integer.parseInt(header.substring(15).trim());
        }
      }
      if (length < 0) {
        throw new IOException("an answer without Content-Length");
      }
      if (in.readNBytes(length).length != length) {
        throw new IOException("the connection closed mid-answer");
      }
      return code;
    }

    private String line() throws IOException {
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new IOException("the connection closed");
        }
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }
  }
}

package dev.kiln.serving;

import dev.kiln.errors.KilnException;
import dev.kiln.monitor.PredictionLog;
import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import dev.kiln.score.RowScorer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the served model in step with its reference ({@code name@alias}): every interval a background thread resolves
 * the reference and, when it names another version than the one served, loads that version and swaps it in.
 *
 * <p>Contract:
 * <ul>
 *   <li>The swap is one atomic reference update: a request scores wholly with the version it leased, and every
 *       request that leases after the swap gets the new one.</li>
 *   <li>Loading happens on the reload thread while the old version keeps serving; no request waits for it.</li>
 *   <li>A failed resolve or load keeps the current model, is logged (one line, no stack trace unless DEBUG) and is
 *       counted in {@code kiln_serving_model_loads_total{outcome="failure"}}; the next check tries again.</li>
 *   <li>A replaced version's prediction log is closed (flushed) once its last request has finished.</li>
 * </ul>
 */
public final class ModelReloader implements AutoCloseable {

  /** What one check did. */
  public enum Outcome { LOADED, UNCHANGED, FAILED }

  private static final Logger LOG = LoggerFactory.getLogger(ModelReloader.class);
  /** How long a replaced version may keep serving requests that leased it before its log is closed anyway. */
  private static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);

  private final ModelRef ref;
  private final VersionResolver resolver;
  private final ModelLoader loader;
  private final Optional<PredictionLogFactory> logs;
  private final ServingMetrics metrics;
  private final AtomicReference<LoadedModel> current = new AtomicReference<>();
  private volatile ScheduledExecutorService scheduler;
  private volatile boolean closed;

  ModelReloader(ModelRef ref, VersionResolver resolver, ModelLoader loader, Optional<PredictionLogFactory> logs,
      ServingMetrics metrics) {
    this.ref = ref;
    this.resolver = resolver;
    this.loader = loader;
    this.logs = logs;
    this.metrics = metrics;
  }

  /** Checks now on the reload thread, then every {@code interval} after the previous check ended. */
  synchronized void start(Duration interval) {
    if (scheduler != null) {
      throw new IllegalStateException("already started");
    }
    scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "kiln-model-reload");
      thread.setDaemon(true);
      return thread;
    });
    scheduler.scheduleWithFixedDelay(this::checkQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The version being served, if one has loaded. */
  public Optional<LoadedModel> current() {
    return Optional.ofNullable(current.get());
  }

  /**
   * Leases the version being served for one request; empty until a version has loaded. Never returns a version that
   * a reload has already retired and drained.
   */
  Optional<LoadedModel.Lease> acquire() {
    while (true) {
      LoadedModel model = current.get();
      if (model == null) {
        return Optional.empty();
      }
      LoadedModel.Lease lease = model.lease();
      // A reload may have swapped between the read and the lease: lease the new version instead, so the drain of
      // the old one never misses a request.
      if (current.get() == model) {
        return Optional.of(lease);
      }
      lease.close();
    }
  }

  /** Resolves the reference once and loads the version it names if that is not the one served. */
  public synchronized Outcome checkNow() {
    if (closed) {
      return Outcome.UNCHANGED;
    }
    LoadedModel serving = current.get();
    ModelVersion target;
    try {
      target = resolver.resolve(ref);
    } catch (RuntimeException e) {
      return failed("cannot resolve " + ref, e);
    }
    if (serving != null && serving.version().version() == target.version()) {
      return Outcome.UNCHANGED;
    }
    RowScorer scorer;
    try {
      scorer = loader.load(target);
    } catch (RuntimeException | LinkageError e) {
      return failed("cannot load " + target.ref() + " (" + ref + ")", e);
    }
    Optional<PredictionLog> log;
    try {
      log = logs.map(factory -> factory.open(target));
    } catch (RuntimeException e) {
      return failed("cannot open the prediction log of " + target.ref(), e);
    }
    LoadedModel next = new LoadedModel(target, scorer, log, Instant.now());
    if (closed) {
      release(next);
      return Outcome.UNCHANGED;
    }
    current.set(next);
    metrics.loaded(target.name(), target.version());
    LOG.info("serving {} ({}){}", target.ref(), ref,
        serving == null ? "" : ", replacing version " + serving.version().version());
    if (serving != null) {
      retire(serving);
    }
    return Outcome.LOADED;
  }

  private void checkQuietly() {
    try {
      checkNow();
    } catch (Throwable t) {
      // A scheduled task that throws is never run again: keep the reload thread alive whatever happens.
      LOG.error("model reload check failed unexpectedly", t);
    }
  }

  private Outcome failed(String what, Throwable e) {
    metrics.loadFailed(ref.name());
    String reason = e instanceof KilnException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
    LoadedModel serving = current.get();
    LOG.warn("{}: {}; {}", what, reason,
        serving == null ? "nothing is served yet, will try again" : "still serving " + serving.version().ref());
    LOG.debug("reload failure detail", e);
    return Outcome.FAILED;
  }

  /** Waits for the requests still scoring with {@code old}, then releases what it holds. */
  private static void retire(LoadedModel old) {
    long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
    while (old.inFlight() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (old.inFlight() > 0) {
      LOG.warn("{} still has {} requests in flight after {} s; closing its prediction log anyway",
          old.version().ref(), old.inFlight(), DRAIN_LIMIT.toSeconds());
    }
    release(old);
  }

  private static void release(LoadedModel model) {
    model.log().ifPresent(log -> {
      try {
        log.close();
      } catch (RuntimeException e) {
        LOG.warn("closing the prediction log of {} failed: {}", model.version().ref(), e.getMessage());
      }
    });
    if (model.scorer() instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("releasing the scorer of {} failed: {}", model.version().ref(), e.getMessage());
      }
    }
  }

  /** Stops checking and releases the served version (flushing its prediction log); call after the HTTP server stopped. */
  @Override
  public void close() {
    closed = true;
    ScheduledExecutorService checks = scheduler;
    // Not under the lock: a check in progress holds it and must be able to finish first (it sees closed and keeps
    // whatever it loaded to itself).
    if (checks != null) {
      checks.shutdownNow();
      try {
        checks.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      LoadedModel last = current.getAndSet(null);
      if (last != null) {
        retire(last);
      }
    }
  }
}

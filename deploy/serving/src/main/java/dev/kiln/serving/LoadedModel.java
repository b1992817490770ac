package dev.kiln.serving;

import dev.kiln.monitor.PredictionLog;
import dev.kiln.registry.ModelVersion;
import dev.kiln.score.RowScorer;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One version ready to score: its registry record, its scorer and its prediction log. Requests hold it through a
 * {@link Lease}, so a reload can tell when the last request scored by the old version has finished.
 */
public final class LoadedModel {

  private final ModelVersion version;
  private final RowScorer scorer;
  private final Optional<PredictionLog> log;
  private final Instant loadedAt;
  private final AtomicInteger inFlight = new AtomicInteger();

  LoadedModel(ModelVersion version, RowScorer scorer, Optional<PredictionLog> log, Instant loadedAt) {
    this.version = version;
    this.scorer = scorer;
    this.log = log;
    this.loadedAt = loadedAt;
  }

  public ModelVersion version() {
    return version;
  }

  public RowScorer scorer() {
    return scorer;
  }

  Optional<PredictionLog> log() {
    return log;
  }

  public Instant loadedAt() {
    return loadedAt;
  }

  int inFlight() {
    return inFlight.get();
  }

  Lease lease() {
    inFlight.incrementAndGet();
    return new Lease(this);
  }

  /** A request's hold on the version it scores with; closing it lets a retired version be released. */
  static final class Lease implements AutoCloseable {
    private final LoadedModel model;
    private boolean closed;

    private Lease(LoadedModel model) {
      this.model = model;
    }

    LoadedModel model() {
      return model;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        model.inFlight.decrementAndGet();
      }
    }
  }
}

package dev.kiln.monitor;

/**
 * Where a serving process appends its predictions.
 *
 * <p>Contract: {@link #append} is safe from many threads and never blocks on storage for long (implementations
 * buffer); an appended record is durable once {@link #flush} or {@link #close} returns; {@link #close} flushes
 * everything appended before it. Records of one log share one model version and signature.
 */
public interface PredictionLog extends AutoCloseable {

  void append(PredictionRecord record);

  /** Makes every record appended so far durable. */
  void flush();

  @Override
  void close();
}

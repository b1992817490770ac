package dev.kiln.score;

import java.util.List;
import java.util.Map;

/**
 * Scores one record at a time with a fitted pipeline, in the calling thread, without Spark: no SparkSession, job or
 * DataFrame is touched per record. Its answers equal Spark's {@code PipelineModel.transform} on the same row (the
 * parity test holds every supported stage to 1e-9).
 *
 * <p>Contract:
 * <ul>
 *   <li>Implementations are immutable and safe to call from many threads at once.</li>
 *   <li>{@link #score} checks the record against {@link #inputs()} before any stage runs: every input field present
 *       (a nullable one may be {@code null}), no other field, each value readable as its type, no NaN or infinite
 *       number. A record that breaks a rule raises {@link dev.kiln.errors.InvalidRecordException} naming the field;
 *       nothing else a caller can send raises anything.</li>
 *   <li>Values are read leniently where no meaning is lost: any JSON number for a numeric field if it is integral
 *       where the type is; ISO-8601 text for timestamps and dates.</li>
 * </ul>
 */
public interface RowScorer {

  /** The fields a record carries, in the signature's order. */
  List<InputField> inputs();

  /** The fields a scored record has, e.g. {@code prediction}, {@code probability}, {@code predicted_label}. */
  List<String> outputs();

  /**
   * Scores one record.
   *
   * @param record field name to value: {@code String}, {@code Number}, {@code Boolean}, {@code null}, and for
   *     timestamps and dates also {@code java.time} values
   * @return output name to value, in {@link #outputs()} order: {@code prediction} a {@code Double},
   *     {@code probability} a {@code double[]} by class index, {@code predicted_label} a {@code String}
   * @throws dev.kiln.errors.InvalidRecordException when the record does not fit {@link #inputs()}
   */
  Map<String, Object> score(Map<String, ?> record);
}

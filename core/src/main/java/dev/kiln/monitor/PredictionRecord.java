package dev.kiln.monitor;

import java.time.Instant;
import java.util.Map;

/**
 * One prediction as the service made it: what a prediction log stores and monitoring reads back.
 *
 * @param requestId unique per scored record (a batch request gives each record its own id)
 * @param time when the prediction was made
 * @param model the registered model's name
 * @param modelVersion the version that answered
 * @param inputs the record as scored, field name to value, in the signature's types
 * @param outputs what the scorer returned: {@code prediction}, and {@code probability} / {@code predicted_label}
 *     when the model has them
 * @param latencyMicros time spent scoring, in microseconds
 */
public record PredictionRecord(String requestId, Instant time, String model, long modelVersion,
    Map<String, Object> inputs, Map<String, Object> outputs, long latencyMicros) {}

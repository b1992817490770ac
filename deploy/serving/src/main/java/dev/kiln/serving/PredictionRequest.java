package dev.kiln.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.errors.InvalidRecordException;
import dev.kiln.score.InputField;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A predict request's body as records: one JSON object is one record; {@code {"records": [ {...}, ... ]}} is a batch.
 * Values stay as JSON gave them ({@code String}, {@code Integer}/{@code Long}/{@code BigInteger}/{@code Double},
 * {@code Boolean}, {@code null}); checking them against the signature is the scorer's job, except for nested objects
 * and arrays, which no input can take and are refused here with the scorer's problem kinds.
 *
 * @param records the records, in request order
 * @param batch whether the body was a batch (errors then carry the record's index)
 */
record PredictionRequest(List<Map<String, Object>> records, boolean batch) {

  static final String BATCH_KEY = "records";

  /**
   * @throws ApiError.ApiException 400 for a body that is not JSON or not a record or batch; 422 for a nested value
   */
  static PredictionRequest parse(byte[] body, List<InputField> inputs) {
    JsonNode root = Json.parse(body);
    if (!root.isObject()) {
      throw invalid("the body must be a JSON object: one record, or {\"records\": [...]} for a batch");
    }
    if (root.size() == 1 && root.has(BATCH_KEY) && root.get(BATCH_KEY).isArray()) {
      JsonNode items = root.get(BATCH_KEY);
      if (items.isEmpty()) {
        throw invalid("\"records\" is empty; send at least one record");
      }
      Set<String> known = names(inputs);
      List<Map<String, Object>> records = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        JsonNode item = items.get(i);
        if (!item.isObject()) {
          throw new ApiError(400, "invalid_request", "records[" + i + "] is not a JSON object", null,
              OptionalInt.of(i)).exception();
        }
        records.add(record(item, known, OptionalInt.of(i)));
      }
      return new PredictionRequest(List.copyOf(records), true);
    }
    return new PredictionRequest(List.of(record(root, names(inputs), OptionalInt.empty())), false);
  }

  private static Map<String, Object> record(JsonNode object, Set<String> known, OptionalInt index) {
    Map<String, Object> record = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      record.put(field.getKey(), scalar(field.getKey(), field.getValue(), known, index));
    }
    return record;
  }

  private static Object scalar(String name, JsonNode value, Set<String> known, OptionalInt index) {
    if (value.isNull()) {
      return null;
    } else if (value.isTextual()) {
      return value.textValue();
    } else if (value.isNumber()) {
      return value.numberValue();
    } else if (value.isBoolean()) {
      return value.booleanValue();
    }
    InvalidRecordException refused = known.contains(name)
        ? new InvalidRecordException(name, InvalidRecordException.Problem.WRONG_TYPE,
            "field '" + name + "' is " + (value.isArray() ? "an array" : "an object") + "; inputs are single values")
        : new InvalidRecordException(name, InvalidRecordException.Problem.UNKNOWN,
            "field '" + name + "' is not an input of the model");
    throw ApiError.invalidRecord(refused, index).exception();
  }

  private static Set<String> names(List<InputField> inputs) {
    Set<String> names = new HashSet<>();
    inputs.forEach(input -> names.add(input.name()));
    return names;
  }

  private static ApiError.ApiException invalid(String message) {
    return ApiError.of(400, "invalid_request", message).exception();
  }
}

package dev.kiln.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The service's own JSON reader and writer (Jackson, at the version Spark pins), shared by every request. Javalin is
 * only ever handed strings, so its JSON mapper plays no part.
 */
final class Json {

  /**
   * Reads NaN and Infinity as numbers, so a record carrying them is refused by the scorer as not finite (422, naming
   * the field) rather than as malformed JSON; refuses duplicate keys and anything after the document.
   */
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private Json() {}

  /**
   * Parses a request body.
   *
   * @throws ApiError.ApiException 400 {@code malformed_json}, with the parser's line and column
   */
  static JsonNode parse(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw ApiError.of(400, "malformed_json", "the body is empty; send a JSON object").exception();
      }
      return node;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? ""
          : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw ApiError.of(400, "malformed_json", "the body is not valid JSON" + where + ": " + e.getOriginalMessage())
          .exception();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a value (maps, lists, records of plain values, {@code double[]}) as compact JSON. */
  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON for " + value.getClass().getName(), e);
    }
  }
}

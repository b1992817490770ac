package dev.kiln.serving;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.score.InputField;
import java.util.List;
import java.util.Optional;

/**
 * The service's OpenAPI 3.0 description ({@code GET /openapi.json}). The predict request's {@code Record} schema lists
 * the loaded model's input fields with their types, all required (a nullable one may be {@code null}) and no others;
 * before a model has loaded it is an open object.
 */
final class OpenApiDescription {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private OpenApiDescription() {}

  static String render(ServerSettings settings, Optional<LoadedModel> model) {
    String name = settings.model().name();
    ObjectNode root = NODES.objectNode();
    root.put("openapi", "3.0.3");
    ObjectNode info = root.putObject("info");
    info.put("title", "Kiln model service: " + name);
    info.put("version", model.map(m -> String.valueOf(m.version().version())).orElse("not loaded"));
    info.put("description", "Scores records with " + settings.model() + model.map(m -> " (version "
        + m.version().version() + ")").orElse("") + ". See docs/serving.md.");

    ObjectNode paths = root.putObject("paths");
    ObjectNode predict = paths.putObject("/v1/models/{name}/predict").putObject("post");
    predict.put("summary", "Score one record, or a batch of records");
    predict.put("operationId", "predict");
    predict.set("parameters", NODES.arrayNode().add(nameParameter(name)));
    ObjectNode body = predict.putObject("requestBody");
    body.put("required", true);
    body.putObject("content").putObject("application/json").putObject("schema").set("oneOf", NODES.arrayNode()
        .add(ref("Record")).add(ref("Batch")));
    ObjectNode predictResponses = predict.putObject("responses");
    predictResponses.set("200", jsonResponse("One prediction per record, in request order", ref("Predictions")));
    predictResponses.set("400", errorResponse("Malformed JSON, or not a record or batch"));
    predictResponses.set("401", errorResponse("Missing or wrong bearer token"));
    predictResponses.set("404", errorResponse("No such model is served here"));
    predictResponses.set("413", errorResponse("The body is larger than the server accepts"));
    predictResponses.set("422", errorResponse("A record does not fit the model's inputs; names the field (and the "
        + "record's index in a batch)"));
    predictResponses.set("503", errorResponse("No model has loaded yet"));

    ObjectNode list = paths.putObject("/v1/models").putObject("get");
    list.put("summary", "The model served: name, the alias it follows, the version loaded");
    list.put("operationId", "listModels");
    list.putObject("responses").set("200", jsonResponse("The served model", NODES.objectNode().put("type", "object")));

    ObjectNode show = paths.putObject("/v1/models/{name}").putObject("get");
    show.put("summary", "The loaded version: signature and held-out metrics");
    show.put("operationId", "getModel");
    show.set("parameters", NODES.arrayNode().add(nameParameter(name)));
    ObjectNode showResponses = show.putObject("responses");
    showResponses.set("200", jsonResponse("The loaded version", NODES.objectNode().put("type", "object")));
    showResponses.set("404", errorResponse("No such model is served here"));
    showResponses.set("503", errorResponse("No model has loaded yet"));

    paths.set("/health/live", health("Liveness: the process answers", "livenessProbe"));
    paths.set("/health/ready", health("Readiness: 200 once a model has loaded, 503 before", "readinessProbe"));
    ObjectNode metrics = paths.putObject("/metrics").putObject("get");
    metrics.put("summary", "Prometheus metrics (text exposition format)");
    metrics.put("operationId", "metrics");
    metrics.putObject("responses").putObject("200").put("description", "Prometheus text")
        .putObject("content").putObject("text/plain").putObject("schema").put("type", "string");

    ObjectNode components = root.putObject("components");
    ObjectNode schemas = components.putObject("schemas");
    schemas.set("Record", recordSchema(model));
    ObjectNode batch = schemas.putObject("Batch");
    batch.put("type", "object");
    batch.set("required", NODES.arrayNode().add(PredictionRequest.BATCH_KEY));
    batch.put("additionalProperties", false);
    batch.putObject("properties").putObject(PredictionRequest.BATCH_KEY).put("type", "array").put("minItems", 1)
        .set("items", ref("Record"));
    schemas.set("Predictions", predictionsSchema());
    schemas.set("Error", errorSchema());
    if (settings.token().isPresent()) {
      components.putObject("securitySchemes").putObject("bearer").put("type", "http").put("scheme", "bearer");
      root.set("security", NODES.arrayNode().add(NODES.objectNode().set("bearer", NODES.arrayNode())));
      // The health checks stay open for the orchestrator's probes.
      for (String open : List.of("/health/live", "/health/ready")) {
        ((ObjectNode) paths.get(open).get("get")).set("security", NODES.arrayNode());
      }
    }
    return Json.write(root);
  }

  private static ObjectNode recordSchema(Optional<LoadedModel> model) {
    ObjectNode schema = NODES.objectNode();
    schema.put("type", "object");
    if (model.isEmpty()) {
      schema.put("description", "The model's input fields (listed here once it has loaded)");
      return schema;
    }
    schema.put("description", "One record: every input field of " + model.get().version().ref() + ", no other");
    schema.put("additionalProperties", false);
    ArrayNode required = schema.putArray("required");
    ObjectNode properties = schema.putObject("properties");
    for (InputField field : model.get().scorer().inputs()) {
      required.add(field.name());
      ObjectNode property = properties.putObject(field.name());
      typeOf(field.type(), property);
      if (field.nullable()) {
        property.put("nullable", true);
      }
    }
    return schema;
  }

  /** JSON Schema type and format of a signature type; times and dates are ISO-8601 text. */
  static void typeOf(InputField.FieldType type, ObjectNode property) {
    switch (type) {
      case STRING -> property.put("type", "string");
      case INTEGER -> property.put("type", "integer").put("format", "int32");
      case LONG -> property.put("type", "integer").put("format", "int64");
      case DOUBLE -> property.put("type", "number").put("format", "double");
      case FLOAT -> property.put("type", "number").put("format", "float");
      case BOOLEAN -> property.put("type", "boolean");
      case TIMESTAMP -> property.put("type", "string").put("format", "date-time");
      case DATE -> property.put("type", "string").put("format", "date");
    }
  }

  private static ObjectNode predictionsSchema() {
    ObjectNode prediction = NODES.objectNode().put("type", "object");
    ObjectNode fields = prediction.putObject("properties");
    fields.putObject("prediction").put("type", "number");
    fields.putObject("probability").put("type", "array").putObject("items").put("type", "number");
    fields.putObject("predicted_label").put("type", "string");
    fields.putObject("request_id").put("type", "string");
    ObjectNode schema = NODES.objectNode().put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    properties.putObject("model").put("type", "string");
    properties.putObject("version").put("type", "integer").put("format", "int64");
    properties.putObject("predictions").put("type", "array").set("items", prediction);
    return schema;
  }

  private static ObjectNode errorSchema() {
    ObjectNode error = NODES.objectNode().put("type", "object");
    error.set("required", NODES.arrayNode().add("code").add("message"));
    ObjectNode fields = error.putObject("properties");
    fields.putObject("code").put("type", "string");
    fields.putObject("message").put("type", "string");
    fields.putObject("field").put("type", "string");
    fields.putObject("index").put("type", "integer");
    ObjectNode schema = NODES.objectNode().put("type", "object");
    schema.putObject("properties").set("error", error);
    return schema;
  }

  private static ObjectNode nameParameter(String name) {
    ObjectNode parameter = NODES.objectNode();
    parameter.put("name", "name").put("in", "path").put("required", true);
    parameter.putObject("schema").put("type", "string").set("enum", NODES.arrayNode().add(name));
    return parameter;
  }

  private static ObjectNode health(String summary, String operationId) {
    ObjectNode path = NODES.objectNode();
    ObjectNode get = path.putObject("get");
    get.put("summary", summary).put("operationId", operationId);
    ObjectNode responses = get.putObject("responses");
    responses.set("200", jsonResponse("OK", NODES.objectNode().put("type", "object")));
    if (operationId.equals("readinessProbe")) {
      responses.set("503", jsonResponse("Not ready", NODES.objectNode().put("type", "object")));
    }
    return path;
  }

  private static ObjectNode jsonResponse(String description, ObjectNode schema) {
    ObjectNode response = NODES.objectNode().put("description", description);
    response.putObject("content").putObject("application/json").set("schema", schema);
    return response;
  }

  private static ObjectNode errorResponse(String description) {
    return jsonResponse(description, ref("Error"));
  }

  private static ObjectNode ref(String schema) {
    return NODES.objectNode().put("$ref", "#/components/schemas/" + schema);
  }
}

package dev.kiln.serving;

import dev.kiln.errors.InvalidRecordException;
import dev.kiln.monitor.PredictionRecord;
import dev.kiln.registry.ModelVersion;
import dev.kiln.score.InputField;
import dev.kiln.score.RowScorer;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP model service: one model, {@link ServerSettings#model()}, kept current by a {@link ModelReloader}.
 *
 * <p>Endpoints (docs/serving.md has examples): {@code POST /v1/models/{name}/predict}, {@code GET /v1/models},
 * {@code GET /v1/models/{name}}, {@code GET /health/live}, {@code GET /health/ready}, {@code GET /metrics},
 * {@code GET /openapi.json}.
 *
 * <p>Contract:
 * <ul>
 *   <li>Every answer is JSON (but {@code /metrics}), errors as {@code {"error": {"code", "message", "field"?,
 *       "index"?}}}. Nothing a client sends yields a status of 500 or more; an unexpected failure is a 500 whose body
 *       names only the request id, with the detail in the server log.</li>
 *   <li>With a token configured, every request but the health checks must carry {@code Authorization: Bearer
 *       <token>}, else 401 with {@code WWW-Authenticate: Bearer}.</li>
 *   <li>A body over {@link ServerSettings#maxBodyBytes()} is answered 413 without being read past the limit.</li>
 *   <li>Each scored record is appended to the version's prediction log, if there is one; a log failure is counted and
 *       logged but never fails the request.</li>
 * </ul>
 */
public final class ModelServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
  private static final String JSON = "application/json";
  private static final String REQUEST_ID = "kiln.requestId";
  private static final Set<String> METHOD_LABELS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

  private final ServerSettings settings;
  private final ServingMetrics metrics;
  private final ModelReloader reloader;
  private final Javalin app;
  private boolean started;

  /**
   * @param resolver which version the model reference names now, e.g. {@code registry::resolve}
   * @param loader how a version becomes a scorer
   * @param logs where each version's predictions are appended; empty for no prediction log
   */
  public ModelServer(ServerSettings settings, VersionResolver resolver, ModelLoader loader,
      Optional<PredictionLogFactory> logs) {
    this.settings = settings;
    this.metrics = new ServingMetrics(settings.model().name());
    this.reloader = new ModelReloader(settings.model(), resolver, loader, logs, metrics);
    this.app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.jetty.host = settings.host();
      config.jetty.port = settings.port();
      config.http.prefer405over404 = true;
      config.requestLogger.http((ctx, millis) -> metrics.request(endpointOf(ctx), methodOf(ctx), ctx.statusCode(),
          millis / 1000.0));
      config.router.javaLangErrorHandler((response, error) -> {
        // An Error (say a StackOverflowError in a scorer) reaches no exception handler: answer it here.
        LOG.error("request failed with {}", error.toString(), error);
        metrics.error("internal_error");
        try {
          response.setStatus(500);
          response.setContentType(JSON);
          response.getWriter().write(Json.write(errorBody(ApiError.of(500, "internal_error",
              "the server failed to answer; the server log has the details"))));
        } catch (IOException | IllegalStateException ignored) {
          // The response was already committed or the client left: nothing more can be said.
        }
      });

      config.routes.before(ctx -> {
        String id = newId();
        ctx.attribute(REQUEST_ID, id);
        ctx.header("X-Request-Id", id);
      });
      config.routes.beforeMatched(this::authenticate);

      config.routes.post("/v1/models/{name}/predict", this::predict);
      config.routes.get("/v1/models", this::listModels);
      config.routes.get("/v1/models/{name}", this::showModel);
      config.routes.get("/health/live", ctx -> json(ctx, 200, Map.of("status", "live")));
      config.routes.get("/health/ready", this::ready);
      config.routes.get("/metrics", ctx -> ctx.contentType(ServingMetrics.contentType()).result(metrics.scrape()));
      config.routes.get("/openapi.json", ctx -> ctx.contentType(JSON)
          .result(OpenApiDescription.render(settings, reloader.current())));

      config.routes.exception(ApiError.ApiException.class, (e, ctx) -> answer(ctx, e.error()));
      config.routes.exception(HttpResponseException.class, (e, ctx) -> answer(ctx, fromJavalin(e, ctx)));
      config.routes.exception(Exception.class, (e, ctx) -> {
        String id = ctx.attribute(REQUEST_ID);
        LOG.error("request {} {} {} failed", id, ctx.method(), ctx.path(), e);
        answer(ctx, ApiError.of(500, "internal_error",
            "the server failed to answer request " + id + "; the server log has the details"));
      });
    });
  }

  /** Binds the port, then starts following the model reference (the first load runs in the background). */
  public synchronized ModelServer start() {
    if (started) {
      throw new IllegalStateException("already started");
    }
    app.start();
    started = true;
    reloader.start(settings.reloadInterval());
    LOG.info("serving {} on http://{}:{} (auth {}, reload every {} s, bodies up to {} bytes)", settings.model(),
        settings.host(), port(), settings.token().isPresent() ? "bearer token" : "off",
        settings.reloadInterval().toSeconds(), settings.maxBodyBytes());
    return this;
  }

  /** The bound port (the system's choice when the settings said 0). */
  public int port() {
    return app.port();
  }

  /** Follows the reference; tests call {@link ModelReloader#checkNow()} on it to reload without waiting. */
  public ModelReloader reloader() {
    return reloader;
  }

  /** Stops answering (letting requests in progress finish), then stops reloading and flushes the prediction log. */
  @Override
  public synchronized void close() {
    if (started) {
      app.stop();
      started = false;
      reloader.close();
      LOG.info("stopped serving {}", settings.model());
    } else {
      reloader.close();
    }
  }

  private void authenticate(Context ctx) {
    if (settings.token().isEmpty() || ctx.path().startsWith("/health/")) {
      return;
    }
    if (!settings.token().get().acceptsHeader(ctx.header("Authorization"))) {
      ctx.header("WWW-Authenticate", ctx.header("Authorization") == null ? "Bearer realm=\"kiln\""
          : "Bearer realm=\"kiln\", error=\"invalid_token\"");
      throw ApiError.of(401, "unauthorized", "this server needs 'Authorization: Bearer <token>' with its token")
          .exception();
    }
  }

  private void predict(Context ctx) {
    servedName(ctx);
    try (LoadedModel.Lease lease = reloader.acquire().orElseThrow(this::notReady)) {
      LoadedModel model = lease.model();
      RowScorer scorer = model.scorer();
      PredictionRequest request = PredictionRequest.parse(body(ctx), scorer.inputs());
      ModelVersion version = model.version();
      List<Map<String, Object>> predictions = new ArrayList<>(request.records().size());
      List<PredictionRecord> logged = new ArrayList<>(model.log().isPresent() ? request.records().size() : 0);
      for (int i = 0; i < request.records().size(); i++) {
        Map<String, Object> record = request.records().get(i);
        long start = System.nanoTime();
        Map<String, Object> outputs;
        try {
          outputs = scorer.score(record);
        } catch (InvalidRecordException e) {
          throw ApiError.invalidRecord(e, request.batch() ? OptionalInt.of(i) : OptionalInt.empty()).exception();
        }
        long micros = (System.nanoTime() - start) / 1000;
        String id = newId();
        Map<String, Object> prediction = new LinkedHashMap<>(outputs);
        prediction.put("request_id", id);
        predictions.add(prediction);
        if (model.log().isPresent()) {
          logged.add(new PredictionRecord(id, Instant.now(), version.name(), version.version(),
              typed(record, scorer.inputs()), outputs, micros));
        }
      }
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("model", version.name());
      answer.put("version", version.version());
      answer.put("predictions", predictions);
      json(ctx, 200, answer);
      metrics.scored(version.name(), version.version(), predictions.size());
      model.log().ifPresent(log -> {
        try {
          logged.forEach(log::append);
        } catch (RuntimeException e) {
          metrics.predictionLogFailed(version.name());
          LOG.warn("could not append to the prediction log of {}: {}", version.ref(), e.toString());
        }
      });
    }
  }

  private void listModels(Context ctx) {
    List<Map<String, Object>> models = reloader.current().map(model -> List.of(summary(model))).orElse(List.of());
    json(ctx, 200, Map.of("models", models));
  }

  private void showModel(Context ctx) {
    servedName(ctx);
    LoadedModel model = reloader.current().orElseThrow(this::notReady);
    Map<String, Object> answer = summary(model);
    ModelVersion version = model.version();
    answer.put("run_id", version.runId());
    answer.put("created_at", version.createdAt().toString());
    answer.put("algorithm", version.params().get("algorithm"));
    List<Map<String, Object>> inputs = new ArrayList<>();
    for (InputField field : model.scorer().inputs()) {
      Map<String, Object> input = new LinkedHashMap<>();
      input.put("name", field.name());
      input.put("type", field.type().signatureName());
      input.put("nullable", field.nullable());
      inputs.add(input);
    }
    Map<String, Object> signature = new LinkedHashMap<>();
    signature.put("inputs", inputs);
    signature.put("outputs", model.scorer().outputs());
    answer.put("signature", signature);
    answer.put("metrics", new TreeMap<>(version.metrics()));
    json(ctx, 200, answer);
  }

  private Map<String, Object> summary(LoadedModel model) {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("name", model.version().name());
    // The alias followed; "latest" for a bare name; null when the reference pins a version.
    summary.put("alias", settings.model().alias()
        .orElse(settings.model().version().isPresent() ? null : dev.kiln.registry.ModelRef.LATEST));
    summary.put("version", model.version().version());
    summary.put("loaded_at", model.loadedAt().toString());
    return summary;
  }

  private void ready(Context ctx) {
    Optional<LoadedModel> model = reloader.current();
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("status", model.isPresent() ? "ready" : "loading");
    answer.put("model", settings.model().toString());
    model.ifPresent(m -> answer.put("version", m.version().version()));
    json(ctx, model.isPresent() ? 200 : 503, answer);
  }

  /** The path's model name, which must be the one served. */
  private void servedName(Context ctx) {
    String name = ctx.pathParam("name");
    if (!name.equals(settings.model().name())) {
      throw ApiError.of(404, "model_not_found", "no model '" + name + "' is served here; this server serves '"
          + settings.model().name() + "'").exception();
    }
  }

  private ApiError.ApiException notReady() {
    return ApiError.of(503, "not_ready", settings.model() + " has not loaded yet; GET /health/ready says when it has")
        .exception();
  }

  /** The body, read no further than the limit: a declared or actual length over it is 413. */
  private byte[] body(Context ctx) {
    long limit = settings.maxBodyBytes();
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      throw tooLarge(declared + " bytes");
    }
    byte[] body;
    try {
      body = ctx.bodyInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
    } catch (IOException e) {
      throw ApiError.of(400, "unreadable_body", "the body could not be read: " + e.getClass().getSimpleName())
          .exception();
    }
    if (body.length > limit) {
      throw tooLarge("more than " + limit + " bytes");
    }
    return body;
  }

  private ApiError.ApiException tooLarge(String size) {
    return ApiError.of(413, "body_too_large", "the body is " + size + "; this server accepts at most "
        + settings.maxBodyBytes() + " bytes (send smaller batches)").exception();
  }

  /** Javalin's own answers (no route, wrong method, ...) in the service's error shape. */
  private static ApiError fromJavalin(HttpResponseException e, Context ctx) {
    return switch (e.getStatus()) {
      case 404 -> ApiError.of(404, "not_found", "no endpoint " + ctx.method() + " " + ctx.path()
          + "; GET /openapi.json lists them");
      case 405 -> ApiError.of(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path());
      default -> ApiError.of(e.getStatus(), "http_" + e.getStatus(), e.getMessage());
    };
  }

  private void answer(Context ctx, ApiError error) {
    metrics.error(error.code());
    json(ctx, error.status(), errorBody(error));
  }

  private static Map<String, Object> errorBody(ApiError error) {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("code", error.code());
    detail.put("message", error.message());
    if (error.field() != null) {
      detail.put("field", error.field());
    }
    error.index().ifPresent(index -> detail.put("index", index));
    return Map.of("error", detail);
  }

  private static void json(Context ctx, int status, Object body) {
    ctx.status(status).contentType(JSON).result(Json.write(body));
  }

  /**
   * The record in its signature's types for the prediction log: numbers as the declared numeric type (the scorer has
   * accepted them, so nothing is lost); text, booleans and nulls as sent.
   */
  static Map<String, Object> typed(Map<String, Object> record, List<InputField> inputs) {
    Map<String, Object> typed = new LinkedHashMap<>();
    for (InputField field : inputs) {
      Object value = record.get(field.name());
      if (value instanceof Number number) {
        value = switch (field.type()) {
          case INTEGER -> number.intValue();
          case LONG -> number.longValue();
          case DOUBLE -> number.doubleValue();
          case FLOAT -> number.floatValue();
          default -> value;
        };
      }
      typed.put(field.name(), value);
    }
    return typed;
  }

  /**
   * A random (version 4) UUID. Ids must be unique, not unguessable, so they come from the thread's own generator
   * rather than {@link UUID#randomUUID()}'s shared SecureRandom, which every request thread would contend for.
   */
  static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }

  private static String endpointOf(Context ctx) {
    Endpoint matched = ctx.endpoints().matchedHttpEndpoint();
    return matched == null ? ServingMetrics.UNMATCHED : matched.path;
  }

  private static String methodOf(Context ctx) {
    String method = ctx.method().name();
    return METHOD_LABELS.contains(method) ? method : "other";
  }
}

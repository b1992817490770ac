/**
 * The HTTP model service behind {@code kiln serve}: one registered model, named {@code name@alias}, scored record by
 * record with a {@link dev.kiln.score.RowScorer} (no Spark per request). {@link dev.kiln.serving.ModelServer} holds the
 * routes, authentication, input limits and error mapping; {@link dev.kiln.serving.ModelReloader} follows the alias and
 * swaps a newly loaded version in atomically; {@link dev.kiln.serving.ServingMetrics} is the server's own Prometheus
 * registry. Every answer a client can provoke is a JSON error with a status below 500 (see docs/serving.md).
 */
package dev.kiln.serving;

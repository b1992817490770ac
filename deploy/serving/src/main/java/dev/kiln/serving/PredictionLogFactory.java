package dev.kiln.serving;

import dev.kiln.monitor.PredictionLog;
import dev.kiln.registry.ModelVersion;

/**
 * Opens the prediction log of one loaded version (a log holds one version's records). The server opens one when it
 * loads a version and closes it — flushing everything appended — once the last request scored by that version has
 * finished, after a reload or at shutdown.
 */
@FunctionalInterface
public interface PredictionLogFactory {

  PredictionLog open(ModelVersion version);
}

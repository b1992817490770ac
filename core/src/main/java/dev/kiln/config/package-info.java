/**
 * Pipeline configuration: layered loading ({@link dev.kiln.config.ConfigLayers}), a typed reader that reports every
 * problem with its origin ({@link dev.kiln.config.ConfigReader}), and the immutable
 * {@link dev.kiln.config.PipelineConfig} the rest of Kiln reads.
 */
package dev.kiln.config;

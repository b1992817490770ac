/**
 * The loop's composition: {@link dev.kiln.pipeline.Preflight} checks a config against its data before any work, and
 * {@link dev.kiln.pipeline.TrainingLoop} chains the steps of the other packages, keeping a row ledger and lineage.
 */
package dev.kiln.pipeline;

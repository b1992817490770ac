package dev.kiln.score;

/**
 * One fitted stage, compiled: reads its input slots of a frame and writes its output slots, as the stage's
 * {@code transform} computes the same columns of the same row. Immutable and thread-safe; a frame belongs to one call.
 */
@FunctionalInterface
interface RowStage {

  void apply(Object[] frame);
}

/**
 * Cleaning. Row-set cleaning runs before the split and is never needed at serving time: {@link
 * dev.kiln.clean.Deduplicator}. Value cleaning is learnt on the training split and saved inside the fitted {@code
 * PipelineModel} as Spark ML stages of Kiln's own, so serving applies exactly the learnt values: {@link
 * dev.kiln.clean.GroupedImputer} (missing values, per group if asked) and {@link dev.kiln.clean.OutlierBounds}
 * (clip or flag; {@link dev.kiln.clean.OutlierBoundsModel#withinBounds()} is the training-time filter that drops
 * outlier rows).
 */
package dev.kiln.clean;

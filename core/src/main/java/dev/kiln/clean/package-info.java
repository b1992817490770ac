/**
 * Cleaning. Row-set cleaning runs before the split and is never needed at serving time: {@link
 * dev.kiln.clean.Deduplicator} (exact duplicates, superseded records) and {@link dev.kiln.clean.NearDuplicates} (rows
 * whose texts are alike). {@link dev.kiln.clean.ValueCanonicalizer} spells string values one way; it learns nothing
 * and is saved inside the fitted {@code PipelineModel}, so serving spells them the same way. Value cleaning is learnt
 * on the training split and saved inside the fitted {@code PipelineModel} as Spark ML stages of Kiln's own, so
 * serving applies exactly the learnt values: {@link dev.kiln.clean.GroupedImputer} (missing values, per group if
 * asked) and {@link dev.kiln.clean.OutlierBounds} (clip or flag; {@link
 * dev.kiln.clean.OutlierBoundsModel#withinBounds()} is the training-time filter that drops outlier rows).
 */
package dev.kiln.clean;

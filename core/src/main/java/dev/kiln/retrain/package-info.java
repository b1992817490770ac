/**
 * Gated retraining: a challenger trained on fresh data is measured against the champion on the same new held-out
 * rows ({@link dev.kiln.retrain.Retraining}) and the alias moves only when {@link dev.kiln.retrain.PromotionGate}
 * finds it better by the margin with no guardrail failing; every decision is recorded in the registry.
 */
package dev.kiln.retrain;

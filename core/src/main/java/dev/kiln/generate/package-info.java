/** Deterministic synthetic data for demos, tests and benchmarks: the messy churn table of `kiln generate`. */
package dev.kiln.generate;

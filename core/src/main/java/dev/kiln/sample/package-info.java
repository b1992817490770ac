/** Sampling strategies, each seeded and independent of partitioning. */
package dev.kiln.sample;

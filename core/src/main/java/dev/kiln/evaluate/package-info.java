/** Metrics of a fitted model on rows it never saw. */
package dev.kiln.evaluate;

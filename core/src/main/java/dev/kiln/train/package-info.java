/** Algorithms, the hold-out split, and fitting the pipeline on training rows only. */
package dev.kiln.train;

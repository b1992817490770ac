/** Row-set cleaning that runs before the split: deduplication. Never needed at serving time. */
package dev.kiln.clean;

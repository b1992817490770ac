/** Where data comes from: {@link dev.kiln.source.Source} and its file, Delta and generated implementations. */
package dev.kiln.source;

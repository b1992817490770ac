/** The model registry: {@link dev.kiln.registry.Registry} and its Delta implementation. */
package dev.kiln.registry;

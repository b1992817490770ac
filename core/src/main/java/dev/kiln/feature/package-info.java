/** The feature spec compiled into MLlib pipeline stages. */
package dev.kiln.feature;

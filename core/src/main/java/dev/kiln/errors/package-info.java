/**
 * Kiln's typed failures. Every failure a user can cause or meet is one of these, so the CLI maps it to a documented
 * exit code and a one-line message instead of a stack trace.
 */
package dev.kiln.errors;

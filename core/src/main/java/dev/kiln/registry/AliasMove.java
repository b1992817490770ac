package dev.kiln.registry;

import java.time.Instant;

/** One move of an alias: from {@code setAt} on, {@code name@alias} means {@code version}, for {@code reason}. */
public record AliasMove(String name, String alias, long version, Instant setAt, String reason) {}

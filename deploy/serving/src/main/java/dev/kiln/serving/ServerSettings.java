package dev.kiln.serving;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.registry.ModelRef;
import java.time.Duration;
import java.util.Optional;

/**
 * How a {@link ModelServer} runs.
 *
 * @param model the model served, e.g. {@code churn@champion}; an alias or {@code latest} is followed by hot reload, a
 *     version number pins it
 * @param host the address to bind, e.g. {@code 127.0.0.1} (the default: only this machine) or {@code 0.0.0.0}
 * @param port the port; 0 lets the system choose (see {@link ModelServer#port()})
 * @param reloadInterval how often the registry is asked which version the reference names
 * @param maxBodyBytes the largest request body accepted; larger ones are answered 413 unread
 * @param token the bearer token every request but the health checks must present; empty for none
 */
public record ServerSettings(ModelRef model, String host, int port, Duration reloadInterval, long maxBodyBytes,
    Optional<BearerToken> token) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);
  public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

  /** @throws InvalidInputException for a port outside 0–65535, a non-positive interval or body limit */
  public ServerSettings {
    if (port < 0 || port > 65535) {
      throw new InvalidInputException("port " + port + " is not between 0 and 65535");
    }
    if (reloadInterval.isNegative() || reloadInterval.isZero()) {
      throw new InvalidInputException("the reload interval must be positive, not " + reloadInterval);
    }
    if (maxBodyBytes < 1) {
      throw new InvalidInputException("the body limit must be at least 1 byte, not " + maxBodyBytes);
    }
  }

  /** The defaults for {@code model}: 127.0.0.1:8080, reload every 10 s, 1 MiB bodies, no token. */
  public static ServerSettings of(ModelRef model) {
    return new ServerSettings(model, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_RELOAD_INTERVAL, DEFAULT_MAX_BODY_BYTES,
        Optional.empty());
  }

  public ServerSettings withPort(int newPort) {
    return new ServerSettings(model, host, newPort, reloadInterval, maxBodyBytes, token);
  }

  public ServerSettings withReloadInterval(Duration interval) {
    return new ServerSettings(model, host, port, interval, maxBodyBytes, token);
  }

  public ServerSettings withMaxBodyBytes(long bytes) {
    return new ServerSettings(model, host, port, reloadInterval, bytes, token);
  }

  public ServerSettings withToken(Optional<BearerToken> newToken) {
    return new ServerSettings(model, host, port, reloadInterval, maxBodyBytes, newToken);
  }
}

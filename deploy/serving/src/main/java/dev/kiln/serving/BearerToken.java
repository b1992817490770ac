package dev.kiln.serving;

import dev.kiln.errors.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The secret a client must present as {@code Authorization: Bearer <token>}. Only its SHA-256 is kept, and
 * {@link #toString()} never shows it, so no log line or error message can carry it.
 */
public final class BearerToken {

  /** The environment variable {@code kiln serve} reads the token from when no token file is given. */
  public static final String ENVIRONMENT_VARIABLE = "KILN_SERVE_TOKEN";

  private static final String SCHEME = "bearer ";
  private final byte[] digest;

  private BearerToken(String token) {
    if (token.isBlank()) {
      throw new InvalidInputException("the bearer token is empty");
    }
    this.digest = sha256(token);
  }

  public static BearerToken of(String token) {
    return new BearerToken(token);
  }

  /**
   * The configured token: the file's content (surrounding whitespace, e.g. a final newline, removed) if a file is
   * given, else {@value #ENVIRONMENT_VARIABLE} from {@code environment}; empty when neither is set (no
   * authentication).
   *
   * @throws InvalidInputException when the file cannot be read or either source is empty; the message names the file
   *     or variable, never the content
   */
  public static Optional<BearerToken> configured(Optional<Path> tokenFile, Map<String, String> environment) {
    if (tokenFile.isPresent()) {
      Path file = tokenFile.get();
      String content;
      try {
        content = Files.readString(file, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new InvalidInputException("cannot read the token file " + file + ": " + e.getClass().getSimpleName());
      }
      if (content.isEmpty()) {
        throw new InvalidInputException("the token file " + file + " is empty");
      }
      return Optional.of(new BearerToken(content));
    }
    String variable = environment.get(ENVIRONMENT_VARIABLE);
    if (variable == null) {
      return Optional.empty();
    }
    if (variable.isBlank()) {
      throw new InvalidInputException(ENVIRONMENT_VARIABLE + " is set but empty; unset it to serve without a token");
    }
    return Optional.of(new BearerToken(variable.strip()));
  }

  /**
   * Whether an {@code Authorization} header value presents this token. The comparison takes the same time whatever
   * the header holds (both sides are hashed to equal lengths first), so timing reveals nothing of the token.
   */
  public boolean acceptsHeader(String authorization) {
    if (authorization == null || authorization.length() < SCHEME.length()
        || !authorization.substring(0, SCHEME.length()).toLowerCase(Locale.ROOT).equals(SCHEME)) {
      return false;
    }
    return MessageDigest.isEqual(digest, sha256(authorization.substring(SCHEME.length()).strip()));
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "BearerToken(redacted)";
  }
}

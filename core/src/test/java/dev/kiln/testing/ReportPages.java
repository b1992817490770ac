package dev.kiln.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * What the report tests check of a page: its charts in the markup (or in the DOM a browser built), and a screenshot
 * of it.
 */
public final class ReportPages {

  private ReportPages() {}

  /** The {@code <svg>} element with this id, to its end tag. */
  public static String element(String dom, String id) {
    Matcher m = Pattern.compile("<svg [^>]*id=\"" + Pattern.quote(id) + "\"[\\s\\S]*?</svg>").matcher(dom);
    assertTrue(m.find(), "no <svg id=\"" + id + "\"> in the DOM");
    return m.group();
  }

  public static int count(String text, String part) {
    return text.split(Pattern.quote(part), -1).length - 1;
  }

  /**
   * The screenshot is a real PNG of {@code width} × {@code height} and more than {@code minBytes}, with more than 50
   * colours (sampled every third pixel), among them each of {@code expected} (within 4 per channel).
   */
  public static void assertColourful(Path png, int width, int height, int minBytes, int... expected) throws IOException {
    byte[] bytes = Files.readAllBytes(png);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(bytes, 8),
        "a PNG");
    assertTrue(bytes.length > minBytes, "a page with charts is not a few bytes: " + bytes.length);
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(width, image.getWidth());
    assertEquals(height, image.getHeight());
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 3) {
      for (int x = 0; x < image.getWidth(); x += 3) {
        colours.add(image.getRGB(x, y) & 0xffffff);
      }
    }
    assertTrue(colours.size() > 50, "not one colour: " + colours.size() + " colours");
    for (int colour : expected) {
      assertTrue(colours.stream().anyMatch(c -> near(c, colour)), String.format("the screenshot shows #%06x",
          colour));
    }
  }

  private static boolean near(int rgb, int expected) {
    for (int shift = 0; shift <= 16; shift += 8) {
      if (Math.abs(((rgb >> shift) & 0xff) - ((expected >> shift) & 0xff)) > 4) {
        return false;
      }
    }
    return true;
  }
}

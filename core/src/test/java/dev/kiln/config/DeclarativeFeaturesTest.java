package dev.kiln.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig.DateFeature;
import dev.kiln.config.PipelineConfig.FeatureConfig;
import dev.kiln.config.PipelineConfig.SelectionConfig;
import dev.kiln.config.PipelineConfig.TextFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The declarative keys of the features section: what they parse to, and every problem with its key. */
class DeclarativeFeaturesTest {

  @TempDir
  Path dir;

  private static final String BASE = """
      pipeline.name = churn
      source { format = parquet, path = "/data/churn" }
      """;

  @Test
  void everyKindParses() throws IOException {
    PipelineConfigParser.Result result = parse(BASE + """
        features {
          label = churned
          numeric = [income, age]
          categorical = [country]
          scale = robust
          log = [income, per_head]
          bucketize { age = [-inf, 18, 65, inf] }
          quantile-bins { income = 4 }
          frequency-encoded = [city]
          text { review { num-features = 64 }, notes {} }
          dates { signup { parts = [year, weekday], days-since = "2000-01-01", time-zone = "Europe/Paris" } }
          derived { per_head = "income / (household + 1)" }
          interactions = [[age, per_head], [age, country]]
          selection { method = univariate, mode = percentile, threshold = 0.5 }
        }
        """);
    assertTrue(result.ok(), result.problems().toString());
    FeatureConfig features = result.config().features();
    assertEquals("robust", features.scale());
    assertEquals(List.of("income", "per_head"), features.log());
    assertEquals(Map.of("age", List.of(Double.NEGATIVE_INFINITY, 18.0, 65.0, Double.POSITIVE_INFINITY)),
        features.bucketize());
    assertEquals(Map.of("income", 4), features.quantileBins());
    assertEquals(List.of("city"), features.frequencyEncoded());
    assertEquals(List.of("notes", "review"), List.copyOf(features.text().keySet()), "sections in name order");
    assertEquals(new TextFeature(64, 1), features.text().get("review"));
    assertEquals(TextFeature.DEFAULT, features.text().get("notes"));
    assertEquals(new DateFeature(List.of("year", "weekday"), Optional.of(LocalDate.of(2000, 1, 1)), "Europe/Paris"),
        features.dates().get("signup"));
    assertEquals(List.of("income", "household"), features.derived().get("per_head").inputs());
    assertEquals(List.of(List.of("age", "per_head"), List.of("age", "country")), features.interactions());
    assertEquals(new SelectionConfig("univariate", "percentile", 0.5), features.selection());
    assertEquals(List.of("income", "age", "country", "city", "notes", "review", "signup", "household", "churned"),
        features.allColumns(), "every input column, derived columns' inputs in place of them, the label last");
  }

  @Test
  void theDefaultsDeclareNothing() throws IOException {
    PipelineConfigParser.Result result = parse(BASE + "features { label = churned, numeric = [age] }");
    assertTrue(result.ok(), result.problems().toString());
    FeatureConfig features = result.config().features();
    assertEquals(new FeatureConfig("churned", List.of("age"), List.of(), "median"), features,
        "the same as a config written before the declarative keys");
  }

  @Test
  void listFormsAndDefaultThresholds() throws IOException {
    PipelineConfigParser.Result result = parse(BASE + """
        features {
          label = churned
          numeric = [age]
          text = [review]
          dates = [signup]
          selection.method = variance
        }
        """);
    assertTrue(result.ok(), result.problems().toString());
    FeatureConfig features = result.config().features();
    assertEquals(Map.of("review", TextFeature.DEFAULT), features.text());
    assertEquals(Map.of("signup", DateFeature.DEFAULT), features.dates());
    assertEquals(0.0, features.selection().threshold(), "variance drops constant features by default");
  }

  @Test
  void everyProblemIsReportedWithItsKey() throws IOException {
    PipelineConfigParser.Result result = parse(BASE + """
        features {
          label = churned
          numeric = [age]
          categorical = [country]
          scale = zscore
          log = [country]
          bucketize { age = [10, 5, x], income = [inf] }
          quantile-bins { age = 1 }
          frequency-encoded = [churned]
          text { review { num-features = 0, min-docs = 2 } }
          dates { signup { parts = [year, fortnight], days-since = "yesterday", time-zone = "Mars/Olympus" } }
          derived { bad = "age +* 2", label_leak = "churned * 2", age = "1", chained = "bad + 1", "two words" = "1" }
          interactions = [[age], [age, nowhere], age]
          selection { method = univariate, mode = best, threshold = 2.5 }
        }
        """);
    List<String> messages = result.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
    String all = String.join("\n", messages);
    List<String> expected = List.of(
        "features.scale: 'zscore' is not one of none, standard, min-max, robust",
        "features.log: 'country' is not a numeric feature (features.numeric) or a derived column",
        "features.bucketize.income: needs at least one finite split point, e.g. [0, 10, 100]",
        "features.quantile-bins.age: 1 is out of range: 2 to 10,000 bins",
        "features.frequency-encoded: reads the label 'churned': a feature must not read the label, which serving "
            + "does not have",
        "features.text.review.num-features: 0 is out of range: 1 to 16,777,216",
        "features.text.review.min-docs: unknown key (did you mean features.text.review.min-doc-freq?)",
        "features.dates.signup.parts: 'fortnight' is not one of year, month, day-of-month, weekday, hour",
        "features.dates.signup.days-since: 'yesterday' is not a date such as 2000-01-01",
        "features.dates.signup.time-zone: 'Mars/Olympus' is not a time zone such as UTC, Europe/Paris or +02:00",
        "features.derived.label_leak: reads the label 'churned': a feature must not read the label, which serving "
            + "does not have",
        "features.derived.age: 'age' is already an input column; a derived column needs a new name",
        "features.derived.chained: reads the derived column 'bad': derived expressions read input columns only",
        "features.derived.\"two words\": 'two words' must be letters, digits and '_', not starting with a digit "
            + "('__' is kept for Kiln's own columns)",
        "features.interactions: expected a list of feature lists such as [[age, income], [age, country]], each of "
            + "two or more names; found [\"age\"]",
        "features.interactions: 'nowhere' in [age, nowhere] is not a numeric, derived or categorical feature",
        "features.selection.mode: 'best' is not one of num-top-features, percentile, fpr, fdr, fwe");
    for (String message : expected) {
      assertTrue(messages.contains(message), "missing: " + message + "\nin:\n" + all);
    }
    assertTrue(all.contains("features.bucketize.age: 'x' is not a split point: a number, -inf or inf"), all);
    assertTrue(all.contains("features.derived.bad: is not a Spark SQL expression: "), all);
    assertTrue(all.contains("features.interactions: expected a list of feature lists such as [[age, income], "
        + "[age, country]], each of two or more names; found \"age\""), all);
    assertEquals(expected.size() + 3, messages.size(), all);
  }

  @Test
  void splitPointsIncreaseAndThresholdsFitTheirMode() throws IOException {
    PipelineConfigParser.Result result = parse(BASE + """
        features {
          label = churned
          numeric = [age]
          bucketize { age = [0, 10, 10] }
          selection { method = univariate, threshold = 2.5 }
        }
        """);
    List<String> messages = result.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
    assertEquals(List.of(
        "features.bucketize.age: split points must increase strictly, but 10.0 follows 10.0",
        "features.selection.threshold: 2.5 is out of range: a whole number of features, 1 or more"), messages);
  }

  @Test
  void categoricalEncodingIsOneHotOrNativeAndNativeMakesNoInteractionOfACategory() throws IOException {
    PipelineConfigParser.Result chosen = parse(BASE + """
        features { label = churned, numeric = [age], categorical = [country], categorical-encoding = native }
        """);
    assertTrue(chosen.ok(), chosen.problems().toString());
    assertTrue(chosen.config().features().nativeCategorical());
    assertEquals(FeatureConfig.ONE_HOT, parse(BASE + "features { label = churned, numeric = [age] }").config()
        .features().categoricalEncoding(), "the default");

    PipelineConfigParser.Result wrong = parse(BASE + """
        features { label = churned, numeric = [age], categorical = [country], categorical-encoding = ordinal }
        """);
    assertEquals(List.of("features.categorical-encoding: 'ordinal' is not one of one-hot, native"),
        wrong.problems().stream().map(p -> p.key() + ": " + p.message()).toList());
    PipelineConfigParser.Result crossed = parse(BASE + """
        features {
          label = churned
          numeric = [age]
          categorical = [country]
          categorical-encoding = native
          interactions = [[age, country]]
        }
        """);
    assertEquals(List.of("features.interactions: 'country' is categorical, and an interaction multiplies one-hot "
            + "slots, which categorical-encoding = native does not make: set it to one-hot, or leave 'country' out "
            + "of the interactions"),
        crossed.problems().stream().map(p -> p.key() + ": " + p.message()).toList());
  }

  @Test
  void droppingAColumnDropsWhatReadsIt() throws IOException {
    PipelineConfigParser.Result result = parse(BASE + """
        features {
          label = churned
          numeric = [income, age]
          categorical = [country]
          log = [income, per_head]
          bucketize { income = [0, 100] }
          derived { per_head = "income / (household + 1)", older = "age * 2" }
          interactions = [[age, per_head], [age, country]]
        }
        """);
    assertTrue(result.ok(), result.problems().toString());
    FeatureConfig kept = result.config().features().without(List.of("income"));
    assertEquals(List.of("age"), kept.numeric());
    assertEquals(List.of(), kept.log(), "income's log and its derived column's log");
    assertEquals(Map.of(), kept.bucketize());
    assertEquals(List.of("older"), List.copyOf(kept.derived().keySet()));
    assertEquals(List.of(List.of("age", "country")), kept.interactions());
    assertEquals(List.of("age", "country", "churned"), kept.allColumns());
  }

  @Test
  void everyExampleOfTheFeaturesGuideParses() throws IOException {
    String guide = Files.readString(Path.of(System.getProperty("kiln.repo", ".."), "docs", "features.md"));
    java.util.regex.Matcher block = java.util.regex.Pattern.compile("```hocon\n(.*?)```", java.util.regex.Pattern.DOTALL)
        .matcher(guide);
    int examples = 0;
    while (block.find()) {
      PipelineConfigParser.Result result = parse(BASE + block.group(1));
      assertTrue(result.ok(), block.group(1) + result.problems());
      examples++;
    }
    assertEquals(12, examples, "one for the basics, one for native categories and one for each of the ten "
        + "declarative keys");
  }

  private PipelineConfigParser.Result parse(String text) throws IOException {
    Path file = dir.resolve("pipeline.conf");
    Files.writeString(file, text);
    return PipelineConfigParser.parse(ConfigLayers.load(file, Map.of(), List.of()));
  }
}

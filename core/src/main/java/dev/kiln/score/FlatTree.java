package dev.kiln.score;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;
import org.apache.spark.ml.tree.Split;

/**
 * One fitted MLlib decision tree as flat arrays, walked over a dense feature array. Each split decides exactly as
 * Spark's: a continuous split goes left when {@code value <= threshold}; a categorical split tests membership in the
 * smaller of its two category sets (Spark's {@code isLeft} rule), so a value outside every category goes the way
 * Spark sends it. Spark keeps categories in a {@code Set[Double]} and tests each value boxed; here they are a boolean
 * per category, which is what makes a forest of 100 trees cost microseconds.
 */
final class FlatTree {

  private final int[] feature;         // -1 at a leaf
  private final double[] threshold;    // continuous splits
  private final boolean[][] members;   // categorical splits: the tested set, by category; null when continuous
  private final boolean[] testsLeft;   // categorical: the tested set is the left one
  private final int[] left;
  private final int[] right;
  private final LeafNode[] leaves;     // at a leaf: Spark's leaf (its prediction and class counts)

  private FlatTree(List<Node> nodes) {
    int n = nodes.size();
    java.util.Map<Node, Integer> index = new java.util.IdentityHashMap<>();
    for (int i = 0; i < n; i++) {
      index.put(nodes.get(i), i);
    }
    feature = new int[n];
    threshold = new double[n];
    members = new boolean[n][];
    testsLeft = new boolean[n];
    left = new int[n];
    right = new int[n];
    leaves = new LeafNode[n];
    for (int i = 0; i < n; i++) {
      Node node = nodes.get(i);
      if (node instanceof LeafNode leaf) {
        feature[i] = -1;
        leaves[i] = leaf;
        continue;
      }
      InternalNode internal = (InternalNode) node;
      Split split = internal.split();
      feature[i] = split.featureIndex();
      left[i] = index.get(internal.leftChild());
      right[i] = index.get(internal.rightChild());
      if (split instanceof ContinuousSplit continuous) {
        threshold[i] = continuous.threshold();
      } else {
        CategoricalSplit categorical = (CategoricalSplit) split;
        double[] leftCategories = categorical.leftCategories();
        testsLeft[i] = leftCategories.length <= categorical.numCategories() / 2;
        double[] tested = testsLeft[i] ? leftCategories : categorical.rightCategories();
        members[i] = new boolean[categorical.numCategories()];
        for (double category : tested) {
          members[i][(int) category] = true;
        }
      }
    }
  }

  static FlatTree of(Node root) {
    List<Node> nodes = new ArrayList<>();
    collect(root, nodes);
    return new FlatTree(nodes);
  }

  private static void collect(Node node, List<Node> nodes) {
    nodes.add(node);
    if (node instanceof InternalNode internal) {
      collect(internal.leftChild(), nodes);
      collect(internal.rightChild(), nodes);
    }
  }

  /** The leaf {@code features} fall into. */
  LeafNode leaf(double[] features) {
    int at = 0;
    while (feature[at] >= 0) {
      double value = features[feature[at]];
      boolean goLeft;
      if (members[at] == null) {
        goLeft = value <= threshold[at];
      } else {
        boolean member = value >= 0 && value < members[at].length && value == Math.rint(value)
            && members[at][(int) value];
        goLeft = testsLeft[at] == member;
      }
      at = goLeft ? left[at] : right[at];
    }
    return leaves[at];
  }
}

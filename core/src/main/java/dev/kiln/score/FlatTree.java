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

  private static final int LEAF = -1;

  /**
   * Per node: the split's feature index for a continuous split; {@code -2 - index} for a categorical one; {@link #LEAF}
   * at a leaf. One array read tells the walk what kind of node it is at.
   */
  private final int[] feature;
  /** Per node: a continuous split's threshold, or a leaf's prediction. */
  private final double[] value;
  /** Per node: left child at {@code 2i}, right at {@code 2i + 1}. */
  private final int[] children;
  private final boolean[][] members;   // categorical splits: the tested set, by category
  private final boolean[] testsLeft;   // categorical: the tested set is the left one
  private final LeafNode[] leaves;     // at a leaf: Spark's leaf (its class counts, for classifiers)

  private FlatTree(List<Node> nodes) {
    int n = nodes.size();
    java.util.Map<Node, Integer> index = new java.util.IdentityHashMap<>();
    for (int i = 0; i < n; i++) {
      index.put(nodes.get(i), i);
    }
    feature = new int[n];
    value = new double[n];
    children = new int[2 * n];
    members = new boolean[n][];
    testsLeft = new boolean[n];
    leaves = new LeafNode[n];
    for (int i = 0; i < n; i++) {
      Node node = nodes.get(i);
      if (node instanceof LeafNode leaf) {
        feature[i] = LEAF;
        value[i] = leaf.prediction();
        leaves[i] = leaf;
        continue;
      }
      InternalNode internal = (InternalNode) node;
      Split split = internal.split();
      children[2 * i] = index.get(internal.leftChild());
      children[2 * i + 1] = index.get(internal.rightChild());
      if (split instanceof ContinuousSplit continuous) {
        feature[i] = split.featureIndex();
        value[i] = continuous.threshold();
      } else {
        CategoricalSplit categorical = (CategoricalSplit) split;
        feature[i] = -2 - split.featureIndex();
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
    return leaves[walk(features)];
  }

  /** The prediction of the leaf {@code features} fall into. */
  double predict(double[] features) {
    return value[walk(features)];
  }

  private int walk(double[] features) {
    int at = 0;
    for (int f = feature[at]; f != LEAF; f = feature[at]) {
      boolean goLeft;
      if (f >= 0) {
        goLeft = features[f] <= value[at];
      } else {
        double x = features[-2 - f];
        boolean[] tested = members[at];
        boolean member = x >= 0 && x < tested.length && x == Math.rint(x) && tested[(int) x];
        goLeft = testsLeft[at] == member;
      }
      at = children[2 * at + (goLeft ? 0 : 1)];
    }
    return at;
  }
}

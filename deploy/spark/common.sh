# Sourced by kiln-submit, start-local-cluster and stop-local-cluster: locations and the JVM flags Spark needs.
# shellcheck shell=bash

KILN_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KILN_JAR="${KILN_JAR:-$KILN_HOME/jobs/target/kiln.jar}"
# The provided-scope Spark and Hadoop jars `mvn package` copies: a Spark installation's jars/ without the scripts.
KILN_SPARK_JARS="${KILN_SPARK_JARS:-$KILN_HOME/jobs/target/spark-jars}"

# Spark 3.5 on Java 17 needs all of these in every JVM it starts by hand (spark-submit and spark-class of a real
# distribution add them themselves; a standalone Worker adds them to the executors it launches).
JAVA17_FLAGS=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false
  -Dio.netty.tryReflectionSetAccessible=true
)

# Builds the application jar, Spark's jars and the notebook kernel's jar (mvn -B -DskipTests package) when one is missing
# or older than the sources; prints the build log's tail and returns 1 when the build fails.
build_if_needed() {
  local stale=""
  if [ ! -f "$KILN_JAR" ] || [ ! -d "$KILN_SPARK_JARS" ] || [ ! -f "$KILN_HOME/notebooks/target/kernel/rapaio-jupyter-kernel.jar" ]; then
    stale=missing
  else
    stale="$(find "$KILN_HOME/core/src/main" "$KILN_HOME/deploy/serving/src/main" "$KILN_HOME/jobs/src/main" \
      "$KILN_HOME/conf/defaults.conf" "$KILN_HOME"/pom.xml "$KILN_HOME"/*/pom.xml "$KILN_HOME/deploy/serving/pom.xml" \
      -newer "$KILN_JAR" -print -quit 2>/dev/null)"
  fi
  [ -z "$stale" ] && return 0
  echo "[kiln] building the application jar (mvn -B -DskipTests package: a few minutes the first time, which downloads ~750 MB)..." >&2
  local build_log
  build_log="$(mktemp -t kiln-build.XXXXXX)"
  if ! (cd "$KILN_HOME" && mvn -B -DskipTests package) >"$build_log" 2>&1; then
    tail -n 60 "$build_log" >&2
    echo "[kiln] the build failed; full log: $build_log" >&2
    return 1
  fi
  rm -f "$build_log"
}

kiln_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || { echo "java not found: install Java 17 or set JAVA_HOME" >&2; return 1; }
  fi
}

# Fails unless $KILN_SPARK_JARS holds Spark, and holds one version of each artifact (a stale copy-dependencies output
# can hold two, and then which one wins on "jars/*" is unspecified).
check_spark_jars() {
  if ! compgen -G "$KILN_SPARK_JARS/spark-core_*.jar" >/dev/null; then
    echo "no Spark jars in $KILN_SPARK_JARS: build them with (cd $KILN_HOME && mvn -B -DskipTests package)" >&2
    return 1
  fi
  local dupes
  dupes="$(cd "$KILN_SPARK_JARS" && ls -- *.jar | sed -E 's/^(.+)-[0-9][^-]*(-[^0-9].*)?\.jar$/\1\2/' | sort | uniq -d)"
  if [ -n "$dupes" ]; then
    echo "several versions of the same artifact in $KILN_SPARK_JARS: $(echo "$dupes" | tr '\n' ' ')" >&2
    echo "(stale output? rebuild: cd $KILN_HOME && mvn -B -DskipTests clean package)" >&2
    return 1
  fi
}

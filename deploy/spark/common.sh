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

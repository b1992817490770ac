# The serving image: `kiln serve` on a Java 17 JRE. Build from the repository's root once
# `mvn -B -DskipTests package` has made jobs/target/:
#
#   docker build -f deploy/docker/serve.Dockerfile -t registry.example.internal/kiln/kiln-serve:0.1.0 .
#   docker run -p 8080:8080 -v "$PWD/warehouse:/opt/kiln/warehouse" registry.example.internal/kiln/kiln-serve:0.1.0 \
#     serve --model churn-demo@champion --host 0.0.0.0
#
# Requests are scored without Spark; Spark runs in local mode inside the process only to read the registry and
# load versions, so the image carries Spark's jars (jobs/target/spark-jars, with hadoop-aws for s3a:// registries)
# next to kiln.jar, as bin/kiln runs them. The arguments are kiln's: `serve ...` (deploy/kubernetes/serving.yaml
# passes them), or any other command.
FROM eclipse-temurin:17-jre-jammy

# The working directory is the user's: Spark's local session may create its (empty) spark-warehouse/ there.
RUN groupadd --system --gid 10001 kiln \
 && useradd --system --uid 10001 --gid kiln --home-dir /opt/kiln kiln \
 && mkdir -p /opt/kiln && chown kiln:kiln /opt/kiln

# Spark's jars first: they change with dependency versions only, so rebuilding after a code change reuses the layer.
COPY jobs/target/spark-jars/ /opt/kiln/spark-jars/
COPY jobs/target/kiln.jar /opt/kiln/kiln.jar
COPY conf/ /opt/kiln/conf/

WORKDIR /opt/kiln
USER 10001:10001
EXPOSE 8080

# Spark's local mode binds to loopback: nothing outside the container needs to reach it.
ENV SPARK_LOCAL_IP=127.0.0.1
# ZGC keeps pauses under a millisecond (G1's set the p99; see bin/kiln); the heap follows the container's limit.
ENV JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=70 -XX:+UseZGC"

# The Java 17 flags Spark needs (deploy/spark/common.sh's list; a test keeps the two equal). The java launcher
# expands the classpath's "dir/*" itself: no shell is involved.
ENTRYPOINT ["java", \
  "-XX:+IgnoreUnrecognizedVMOptions", \
  "--add-opens=java.base/java.lang=ALL-UNNAMED", \
  "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", \
  "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", \
  "--add-opens=java.base/java.io=ALL-UNNAMED", \
  "--add-opens=java.base/java.net=ALL-UNNAMED", \
  "--add-opens=java.base/java.nio=ALL-UNNAMED", \
  "--add-opens=java.base/java.util=ALL-UNNAMED", \
  "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", \
  "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", \
  "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", \
  "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", \
  "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", \
  "--add-opens=java.base/sun.security.action=ALL-UNNAMED", \
  "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", \
  "-Djdk.reflect.useDirectMethodHandle=false", \
  "-Dio.netty.tryReflectionSetAccessible=true", \
  "-cp", "/opt/kiln/kiln.jar:/opt/kiln/spark-jars/*", \
  "dev.kiln.jobs.cli.Kiln"]
CMD ["serve", "--help"]

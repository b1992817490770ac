# The job image: Spark 3.5.7 (Scala 2.12, Java 17) with kiln.jar, for spark-submit on Kubernetes
# (deploy/spark/examples/submit-kubernetes.sh) and the spark-operator's SparkApplications (deploy/kubernetes/).
# Build from the repository's root once `mvn -B -DskipTests package` has made jobs/target/:
#
#   docker build -f deploy/docker/job.Dockerfile -t registry.example.internal/kiln/kiln-job:0.1.0 .
#
# The base image's entrypoint starts the driver and the executors the way Spark on Kubernetes expects, and its
# spark-submit adds the JVM flags Java 17 needs: this file changes neither.
FROM apache/spark:3.5.7-scala2.12-java17-ubuntu

# s3a:// paths: a Spark distribution has no hadoop-aws. These are the build's copies (Hadoop 3.3.4 is Spark 3.5.7's
# client; the AWS SDK bundle is the one hadoop-aws 3.3.4 was built against).
COPY jobs/target/spark-jars/hadoop-aws-3.3.4.jar \
     jobs/target/spark-jars/aws-java-sdk-bundle-1.12.262.jar \
     /opt/spark/jars/

# The application jar (Kiln, Delta and their dependencies; Spark and Hadoop come from the image) and the
# repository's configs: demo pipelines and the spark-defaults templates. Production pipeline configs are mounted
# (a ConfigMap at /etc/kiln in deploy/kubernetes/).
COPY jobs/target/kiln.jar /opt/kiln/kiln.jar
COPY conf/ /opt/kiln/conf/

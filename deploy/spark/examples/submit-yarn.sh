#!/usr/bin/env bash
# submit-yarn.sh — a Kiln command on YARN in cluster deploy mode: the driver runs in the application master's
# container, not here.
#
#   SPARK_HOME=/opt/spark HADOOP_CONF_DIR=/etc/hadoop/conf \
#     deploy/spark/examples/submit-yarn.sh retrain conf/pipelines/churn.conf --run-date 2026-11-21
#   ... submit-yarn.sh ingest-predictions --log-root hdfs:///kiln/prediction-log --model churn \
#         --config conf/pipelines/churn.conf
#
# The driver cannot read this machine's files, so every argument that is a local .conf file is shipped with
# --files (YARN puts it in the driver's working directory) and given to Kiln by its file name. Data paths in the
# config must be cluster paths (hdfs://, s3a://), never local ones.
#
# In cluster mode spark-submit's exit code is the application's final status (0 succeeded, non-zero failed), not
# Kiln's own code: run `kiln monitor` in client mode (submit-standalone.sh's way, or --deploy-mode client) where
# its exit code 3 matters.
#
# Environment: SPARK_HOME and HADOOP_CONF_DIR (required), KILN_JAR (default: jobs/target/kiln.jar),
# KILN_SPARK_PROPERTIES (default: conf/spark-defaults.yarn.conf).
set -euo pipefail
KILN_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
: "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5.x (Scala 2.12) installation}"
: "${HADOOP_CONF_DIR:?set HADOOP_CONF_DIR to the directory with yarn-site.xml and core-site.xml of the cluster}"
if [ $# -eq 0 ]; then
  echo "usage: $(basename "$0") KILN_COMMAND [KILN_ARG...]   e.g. run conf/pipelines/churn.conf" >&2
  exit 2
fi

kiln_args=()
shipped=()
for arg in "$@"; do
  if [[ "$arg" == *.conf ]] && [ -f "$arg" ]; then
    shipped+=("$arg")
    kiln_args+=("$(basename "$arg")")
  else
    kiln_args+=("$arg")
  fi
done
files=()
if [ ${#shipped[@]} -gt 0 ]; then
  files=(--files "$(IFS=,; echo "${shipped[*]}")")
fi

exec "$SPARK_HOME/bin/spark-submit" \
  --master yarn \
  --deploy-mode cluster \
  --name "kiln-$1" \
  --properties-file "${KILN_SPARK_PROPERTIES:-$KILN_HOME/conf/spark-defaults.yarn.conf}" \
  "${files[@]}" \
  --class dev.kiln.jobs.cli.Kiln \
  "${KILN_JAR:-$KILN_HOME/jobs/target/kiln.jar}" "${kiln_args[@]}"

#!/usr/bin/env bash
# submit-standalone.sh — a Kiln command on a Spark standalone cluster, with a Spark distribution's spark-submit.
#
#   SPARK_HOME=/opt/spark KILN_MASTER=spark://spark-master:7077 \
#     deploy/spark/examples/submit-standalone.sh run conf/pipelines/demo.conf
#   ... submit-standalone.sh score conf/pipelines/demo.conf --run-date 2026-11-21 --model churn-demo@champion
#
# Client deploy mode: the driver is this process, so the pipeline config and `kiln monitor --result` files are
# local paths, Kiln's summary is printed here, and the exit code is Kiln's own (0 done, 1 failed, 2 usage or
# config error, 3 a monitor threshold crossed). spark-submit ships kiln.jar to the executors.
#
# Environment: SPARK_HOME (required), KILN_MASTER, KILN_JAR (default: jobs/target/kiln.jar), KILN_SPARK_PROPERTIES
# (default: conf/spark-defaults.standalone.conf; it replaces $SPARK_HOME/conf/spark-defaults.conf for this run).
set -euo pipefail
KILN_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
: "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5.x (Scala 2.12) installation}"
if [ $# -eq 0 ]; then
  echo "usage: $(basename "$0") KILN_COMMAND [KILN_ARG...]   e.g. run conf/pipelines/demo.conf" >&2
  exit 2
fi

exec "$SPARK_HOME/bin/spark-submit" \
  --master "${KILN_MASTER:-spark://spark-master:7077}" \
  --deploy-mode client \
  --name "kiln-$1" \
  --properties-file "${KILN_SPARK_PROPERTIES:-$KILN_HOME/conf/spark-defaults.standalone.conf}" \
  --class dev.kiln.jobs.cli.Kiln \
  "${KILN_JAR:-$KILN_HOME/jobs/target/kiln.jar}" "$@"

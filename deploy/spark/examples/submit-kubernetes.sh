#!/usr/bin/env bash
# submit-kubernetes.sh — a Kiln command on Kubernetes with spark-submit in cluster deploy mode: the driver and the
# executors are pods of the job image (deploy/docker/job.Dockerfile), which holds kiln.jar at /opt/kiln/kiln.jar
# and the repository's conf/ at /opt/kiln/conf/.
#
#   SPARK_HOME=/opt/spark KILN_K8S_MASTER=k8s://https://kube-api.example.internal:6443 \
#   KILN_JOB_IMAGE=registry.example.internal/kiln/kiln-job:0.1.0 \
#     deploy/spark/examples/submit-kubernetes.sh retrain /opt/kiln/conf/pipelines/demo.conf
#
# Paths in the arguments are paths inside the image (or in a volume mounted into it), not on this machine: bake
# your pipeline config into an image built FROM the job image, or mount a ConfigMap as deploy/kubernetes/ does with
# the spark-operator. The namespace, the driver's service account (deploy/kubernetes/spark-rbac.yaml) and the S3
# credentials (the Secret kiln-s3-credentials) are in conf/spark-defaults.kubernetes.conf.
#
# spark-submit waits for the driver pod and exits non-zero if it failed; Kiln's own exit code (3 for a monitor
# threshold) does not reach it in cluster mode.
#
# Environment: SPARK_HOME, KILN_K8S_MASTER, KILN_JOB_IMAGE (required), KILN_SPARK_PROPERTIES (default:
# conf/spark-defaults.kubernetes.conf).
set -euo pipefail
KILN_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
: "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5.x (Scala 2.12) installation}"
: "${KILN_K8S_MASTER:?set KILN_K8S_MASTER to k8s://https://<api-server>:<port>}"
: "${KILN_JOB_IMAGE:?set KILN_JOB_IMAGE to the job image built from deploy/docker/job.Dockerfile}"
if [ $# -eq 0 ]; then
  echo "usage: $(basename "$0") KILN_COMMAND [KILN_ARG...]   e.g. run /opt/kiln/conf/pipelines/demo.conf" >&2
  exit 2
fi

exec "$SPARK_HOME/bin/spark-submit" \
  --master "$KILN_K8S_MASTER" \
  --deploy-mode cluster \
  --name "kiln-$1" \
  --properties-file "${KILN_SPARK_PROPERTIES:-$KILN_HOME/conf/spark-defaults.kubernetes.conf}" \
  --conf spark.kubernetes.container.image="$KILN_JOB_IMAGE" \
  --class dev.kiln.jobs.cli.Kiln \
  local:///opt/kiln/kiln.jar "$@"

"""What Kiln's DAGs share: where the application jar and the pipeline config are, the Spark connection, the JVM
flags, retries, and the operator that runs `kiln monitor`.

Settings that differ between installations are Airflow Variables, read through Jinja templates (`var.value.get`)
when a task runs, never with Variable.get() at import: the scheduler imports this file every time it parses the
DAGs, and a Variable read there is a metadata-database query each time. So every value below that holds a Variable
is a template string, and only templated operator fields (application, application_args, conf, name) use them.

    Variable              default                                   what
    kiln_jar              /opt/kiln/kiln.jar                        the application jar (local:///opt/kiln/kiln.jar
                                                                    for Kubernetes cluster mode: the job image's copy)
    kiln_pipeline_conf    /opt/kiln/conf/pipelines/demo.conf        the pipeline config every command reads
    kiln_model            churn-demo                                the registered model's name
    kiln_prediction_log   /var/lib/kiln/prediction-log              the root `kiln serve --prediction-log` writes to
    kiln_result_dir       /tmp/kiln                                 where `kiln monitor --result` files go (on the
                                                                    Airflow worker: the monitor runs in client mode)

The Spark master, deploy mode and spark-submit binary are the Airflow connection `kiln_spark` (for example
AIRFLOW_CONN_KILN_SPARK='spark://spark-master:7077'): the operator's conn_id is not a templated field.

This module defines no DAG (.airflowignore keeps the scheduler from parsing it as one); the DAG files import it,
which works because Airflow puts the dags folder on sys.path.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.exceptions import AirflowException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

KILN_CLASS = "dev.kiln.jobs.cli.Kiln"
KILN_JAR = "{{ var.value.get('kiln_jar', '/opt/kiln/kiln.jar') }}"
PIPELINE_CONF = "{{ var.value.get('kiln_pipeline_conf', '/opt/kiln/conf/pipelines/demo.conf') }}"
MODEL = "{{ var.value.get('kiln_model', 'churn-demo') }}"
PREDICTION_LOG = "{{ var.value.get('kiln_prediction_log', '/var/lib/kiln/prediction-log') }}"
RESULT_DIR = "{{ var.value.get('kiln_result_dir', '/tmp/kiln') }}"
SPARK_CONN_ID = "kiln_spark"

# The model every scheduled job reads and `kiln retrain` moves when a challenger wins.
CHAMPION_ALIAS = "champion"

# Spark 3.5 on Java 17 needs these in the driver and every executor (the same list as deploy/spark/common.sh; a
# test keeps the two equal). A stock Spark 3.5 launcher adds its own copy of the --add-opens flags; stating them
# here makes a task independent of which spark-submit the worker has. They replace, not extend, any
# spark.{driver,executor}.extraJavaOptions of the cluster's spark-defaults.conf.
JAVA17_FLAGS = [
    "-XX:+IgnoreUnrecognizedVMOptions",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
    "-Djdk.reflect.useDirectMethodHandle=false",
    "-Dio.netty.tryReflectionSetAccessible=true",
]
JAVA17_OPTIONS = " ".join(JAVA17_FLAGS)
SPARK_CONF = {
    "spark.driver.extraJavaOptions": JAVA17_OPTIONS,
    "spark.executor.extraJavaOptions": JAVA17_OPTIONS,
}

# What every Kiln task submits, whatever its command: SparkSubmitOperator(task_id=..., application_args=[...],
# **KILN_SUBMIT).
KILN_SUBMIT = {
    "application": KILN_JAR,
    "java_class": KILN_CLASS,
    "conn_id": SPARK_CONN_ID,
    "conf": SPARK_CONF,
}

# Retrying is safe because every Kiln job is idempotent: `score` replaces the run date's partition in one Delta
# commit, `ingest-predictions` inserts only requests the table lacks, `monitor` measures the same run date again,
# and `retrain` registers a new version and moves the alias only when the challenger wins (a retry after a
# promotion compares against the new champion). Each write is one Delta commit, so a task that dies mid-way has
# committed nothing or everything.
DEFAULT_ARGS = {
    "owner": "kiln",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "retry_exponential_backoff": True,
}
START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")

# What every Kiln DAG shares: DAG(dag_id=..., schedule=..., catchup=..., **KILN_DAG).
KILN_DAG = {
    "start_date": START_DATE,
    "default_args": DEFAULT_ARGS,
    "tags": ["kiln"],
}

# `kiln monitor` exits 3 when a configured threshold was crossed: a finding, not a failure.
MONITOR_THRESHOLD_CROSSED = 3


class KilnMonitorOperator(SparkSubmitOperator):
    """Runs `kiln monitor`, taking its exit code 3 ("a threshold was crossed") as a result rather than a failure.

    SparkSubmitOperator fails the task on any non-zero exit of spark-submit, so without this class drift would
    look like a crash: the task would be retried (recomputing the same answer twice more), and nothing downstream
    could tell drift from a broken job. Here exit 0 and exit 3 both succeed, and the task's XCom says which
    (`threshold_crossed`) together with the JSON `kiln monitor --result` wrote; exit 1 or 2 fail as usual and are
    retried.

    Only spark-submit's own exit code can carry the 3, and it is the driver's only in client deploy mode (in cluster
    mode spark-submit reports the application's state, not its exit code). Client mode also puts the driver, and so
    the --result file, on this worker. So the deploy mode is client, whatever the connection says.
    """

    def __init__(self, **kwargs):
        deploy_mode = kwargs.setdefault("deploy_mode", "client")
        if deploy_mode != "client":
            raise ValueError(f"KilnMonitorOperator needs deploy_mode='client', not {deploy_mode!r}: only then is "
                             "the driver's exit code spark-submit's, and its --result file on this worker")
        super().__init__(**kwargs)

    def execute(self, context):
        result_file = self._result_file()
        if result_file is not None:
            # An earlier attempt's file must not pass for this one's.
            result_file.parent.mkdir(parents=True, exist_ok=True)
            result_file.unlink(missing_ok=True)
        try:
            super().execute(context)
            threshold_crossed = False
        except AirflowException:
            if self._spark_submit_exit_code() != MONITOR_THRESHOLD_CROSSED:
                raise
            threshold_crossed = True
        result = None
        if result_file is not None and result_file.is_file():
            result = json.loads(result_file.read_text(encoding="utf-8"))
        return {"threshold_crossed": threshold_crossed, "result": result}

    def _spark_submit_exit_code(self):
        # The hook keeps the spark-submit process it ran; if a provider release renames it, this is None and the
        # exit 3 fails the task like any other (loud, never a silently skipped retraining).
        process = getattr(self._hook, "_submit_sp", None)
        return getattr(process, "returncode", None)

    def _result_file(self):
        """The path after --result in the rendered arguments, if any."""
        args = list(self.application_args or [])
        return Path(args[args.index("--result") + 1]) if "--result" in args else None


def monitor_threshold_crossed(ti, monitor_task_id: str) -> bool:
    """The ShortCircuitOperator's condition: did the monitor task find a crossed threshold?"""
    return bool(ti.xcom_pull(task_ids=monitor_task_id)["threshold_crossed"])

"""Train a challenger, evaluate it against the champion, promote it only if it wins: `kiln retrain`.

Weekly, and whenever kiln_drift_check finds drift (it triggers this DAG with {"run_date": <its ds>}). One task:
`kiln retrain` trains the challenger on fresh data, measures challenger and champion on the same new held-out rows,
applies the promotion margin and guardrails of the pipeline config, moves the `champion` alias only if the
challenger wins, and records the decision and its reasons in the registry. It exits 0 either way; the registry
(`kiln models show NAME@champion`) says what was decided.

Keeping the cycle in one task is deliberate: split into train / evaluate / promote tasks, the challenger's version
would travel between them through XCom, and a retried promote could move the alias to a version another run's
evaluation never saw. As one command, a retry starts the whole decision over against the current champion.
"""

from __future__ import annotations

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from kiln_common import KILN_DAG, KILN_SUBMIT, PIPELINE_CONF

# The date `kiln retrain` treats as today: the triggering drift check's date, else this run's.
RUN_DATE = "{{ params.run_date or ds }}"

with DAG(
    dag_id="kiln_train_promote",
    description="kiln retrain: train a challenger, evaluate it against the champion, promote it only if it wins",
    schedule="@weekly",
    catchup=False,
    # Two retrains at once would both measure against the same champion, and the later promotion would win.
    max_active_runs=1,
    params={"run_date": None},
    **KILN_DAG,
) as dag:
    retrain = SparkSubmitOperator(
        task_id="retrain",
        name="kiln-retrain-" + RUN_DATE,
        application_args=["retrain", PIPELINE_CONF, "--run-date", RUN_DATE],
        **KILN_SUBMIT,
    )

"""Check the champion for drift every day, and retrain when a threshold is crossed.

    ingest_predictions >> monitor >> threshold_crossed >> trigger_retrain

1. `kiln ingest-predictions` merges the serving prediction log into <warehouse>/predictions/<model>, exactly once.
2. `kiln monitor --run-date {{ ds }}` compares the day's inputs and predictions with the training profile (and with
   ground truth, where the config names a labels table); it exits 3 when a configured threshold was crossed.
3. A threshold crossed lets the short circuit through; otherwise the trigger is skipped.
4. kiln_train_promote is triggered with this run's date; `kiln retrain` then decides whether the challenger wins.

How exit code 3 becomes a decision: SparkSubmitOperator fails the task on any non-zero exit, which would make drift
indistinguishable from a crash (and retry the monitor twice more to learn the same thing). KilnMonitorOperator (in
kiln_common) runs the monitor in client mode, where spark-submit's exit code is the driver's, succeeds on 0 and 3
alike and returns {"threshold_crossed": ..., "result": <the --result JSON>} as its XCom; any other exit fails and
is retried. The ShortCircuitOperator reads that XCom, so the trigger runs only on drift, and a broken monitor
fails the DAG run instead of retraining.

The trigger's run id is derived from the date, so a rerun of this DAG for the same date does not start a second
retraining (skip_when_already_exists; Airflow 2.10+).
"""

from __future__ import annotations

from airflow import DAG
from airflow.operators.python import ShortCircuitOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from kiln_common import (
    CHAMPION_ALIAS,
    KILN_DAG,
    KILN_SUBMIT,
    MODEL,
    PIPELINE_CONF,
    PREDICTION_LOG,
    RESULT_DIR,
    KilnMonitorOperator,
    monitor_threshold_crossed,
)

with DAG(
    dag_id="kiln_drift_check",
    description="kiln monitor on the day's predictions; kiln_train_promote when a threshold is crossed",
    schedule="@daily",
    catchup=False,
    **KILN_DAG,
) as dag:
    # Both commands default to the same table, <warehouse>/predictions/<model>, from the pipeline config.
    ingest_predictions = SparkSubmitOperator(
        task_id="ingest_predictions",
        name="kiln-ingest-predictions-{{ ds }}",
        application_args=["ingest-predictions", "--log-root", PREDICTION_LOG, "--model", MODEL,
                          "--config", PIPELINE_CONF],
        **KILN_SUBMIT,
    )

    monitor = KilnMonitorOperator(
        task_id="monitor",
        name="kiln-monitor-{{ ds }}",
        application_args=[
            "monitor", PIPELINE_CONF,
            "--run-date", "{{ ds }}",
            "--model", MODEL + "@" + CHAMPION_ALIAS,
            "--result", RESULT_DIR + "/kiln-monitor-{{ ds }}.json",
        ],
        **KILN_SUBMIT,
    )

    threshold_crossed = ShortCircuitOperator(
        task_id="threshold_crossed",
        python_callable=monitor_threshold_crossed,
        op_kwargs={"monitor_task_id": "monitor"},
    )

    trigger_retrain = TriggerDagRunOperator(
        task_id="trigger_retrain",
        trigger_dag_id="kiln_train_promote",
        trigger_run_id="drift__{{ ds }}",
        conf={"run_date": "{{ ds }}"},
        skip_when_already_exists=True,
    )

    ingest_predictions >> monitor >> threshold_crossed >> trigger_retrain

"""Score the day's records with the champion: `kiln score --run-date {{ ds }}`.

The predictions go to a Delta table partitioned by run_date; re-running a date (a retry, a clear, a backfill with
`airflow dags backfill`) replaces that date's partition in one commit, never adds a second copy. So catchup can be
turned on to fill missed days, and retries are safe.
"""

from __future__ import annotations

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from kiln_common import CHAMPION_ALIAS, KILN_DAG, KILN_SUBMIT, MODEL, PIPELINE_CONF

with DAG(
    dag_id="kiln_daily_score",
    description="kiln score: the day's records scored with NAME@champion, one Delta partition per run date",
    schedule="@daily",
    catchup=False,
    **KILN_DAG,
) as dag:
    score = SparkSubmitOperator(
        task_id="score",
        name="kiln-score-{{ ds }}",
        application_args=[
            "score", PIPELINE_CONF,
            "--run-date", "{{ ds }}",
            "--model", MODEL + "@" + CHAMPION_ALIAS,
        ],
        **KILN_SUBMIT,
    )

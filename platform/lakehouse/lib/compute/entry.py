"""The entry point of a step's Spark application: `spark-submit ... entry.py`. Dagster Pipes gives it the
step and its run; it takes the SparkSession spark-submit configured, runs exactly the step the Dagster
process would run, and reports every result, log line and failure back through Pipes."""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Mapping
from typing import Any

from dagster_pipes import PipesContext, open_dagster_pipes
from pyspark.sql import SparkSession

from lakehouse.lib.compute.events import custom_message, pipes_metadata
from lakehouse.lib.compute.pipes_process import ERROR_MESSAGE, STARTED_MESSAGE
from lakehouse.lib.compute.resources import rebuild_resources
from lakehouse.lib.compute.step import Checked, Materialized, StepResult, registered_step, step_run


def main() -> None:
    with open_dagster_pipes() as pipes:
        extras = pipes.extras
        step = registered_step(extras["step"], extras["module"])
        spark = SparkSession.builder.getOrCreate()
        # A failure's traceback then carries the JVM's stack too, for the step's logs in Dagster.
        spark.conf.set("spark.sql.pyspark.jvmStacktrace.enabled", "true")
        pipes.report_custom_message({STARTED_MESSAGE: time.time()})
        run = step_run(extras["run"], pipes.log, rebuild_resources(extras["resources"], os.environ))
        try:
            for result in step.run(spark, run):
                _report(pipes, result)
        except Exception as exc:
            # Said before the session closes, so Dagster fails the step with this message.
            pipes.report_custom_message({ERROR_MESSAGE: _error(exc)})
            raise
        finally:
            spark.stop()


def _report(pipes: PipesContext, result: StepResult) -> None:
    if isinstance(result, Materialized):
        pipes.report_asset_materialization(
            asset_key=result.asset_key.to_user_string(), metadata=pipes_metadata(result.metadata)
        )
    elif isinstance(result, Checked):
        # Pipes carries no check description: it goes with the metadata.
        described = {**result.metadata, "description": result.description} if result.description else result.metadata
        pipes.report_asset_check(
            check_name=result.check_name,
            passed=result.passed,
            severity=result.severity,
            metadata=pipes_metadata(described),
            asset_key=result.asset_key.to_user_string(),
        )
    else:
        pipes.report_custom_message(custom_message(result))


def _error(exc: BaseException) -> Mapping[str, Any]:
    return {
        "type": type(exc).__name__,
        "message": str(exc).strip(),
        "traceback": "".join(traceback.format_exception(exc)),
    }


if __name__ == "__main__":
    main()

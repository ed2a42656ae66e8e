"""Steps in the Dagster run's own process, on its one Spark session: the local default."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_pyspark import LazyPySparkResource

from lakehouse.lib.compute.events import StepEvent, dagster_events
from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.step import SparkStep, step_run, step_run_fields


class InProcessCompute(SparkCompute):
    """Runs each step in the run's process, on the run's Spark session (one JVM per run)."""

    spark: dg.ResourceDependency[LazyPySparkResource]

    def run(
        self, context: dg.AssetExecutionContext, step: SparkStep, config: Mapping[str, Any] | None = None, **resources
    ) -> Iterator[StepEvent]:
        run = step_run(step_run_fields(context, config or {}), context.log, resources)
        yield from dagster_events(context, step.run(self.spark.spark_session, run))


def in_process_spark(spark: LazyPySparkResource) -> dict[str, dg.ConfigurableResource]:
    """The `spark` resource and a compute that runs every step on it: what the local target gives its steps."""
    return {"spark": spark, "compute": InProcessCompute(spark=spark)}

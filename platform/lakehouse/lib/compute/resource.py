"""The compute resource asset bodies call: `compute.run(context, step, config, **resources)` yields the
step's materializations and check results, wherever the compute runs it."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from lakehouse.lib.compute.events import StepEvent
from lakehouse.lib.compute.step import SparkStep


class SparkCompute(dg.ConfigurableResource):
    def run(
        self, context: dg.AssetExecutionContext, step: SparkStep, config: Mapping[str, Any] | None = None, **resources
    ) -> Iterator[StepEvent]:
        raise NotImplementedError

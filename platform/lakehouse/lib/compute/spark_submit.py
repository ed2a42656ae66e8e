"""Steps as Spark applications: `spark-submit` to a cluster's master, the package shipped as an archive
(`--py-files`), results, logs and failures through Dagster Pipes. The driver and the executors are not the
Dagster process."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import pyspark

from lakehouse.lib.compute import entry
from lakehouse.lib.compute.events import DAYS_APPLIED_MESSAGE, dagster_events
from lakehouse.lib.compute.package import package_archive
from lakehouse.lib.compute.pipes_process import run_pipes_process
from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.resources import resource_settings
from lakehouse.lib.compute.step import DaysApplied, SparkStep, step_run_fields

SPARK_SUBMIT = Path(pyspark.__file__).parent / "bin" / "spark-submit"


class SparkSubmitCompute(SparkCompute):
    """Submits each step to `master` as an application with `spark_conf`; the package archive is built
    into `package_dir` (once per content)."""

    master: str
    spark_conf: dict[str, str] = {}
    package_dir: str

    def master_url(self) -> str:
        return self.master

    def run(
        self, context: dg.AssetExecutionContext, step: SparkStep, config: Mapping[str, Any] | None = None, **resources
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        settings, secrets = resource_settings(resources)
        extras = {"step": step.name, "module": step.module, "run": step_run_fields(context, config or {}),
                  "resources": settings}  # fmt: skip
        remote = run_pipes_process(context, self._command(step), extras=extras, env=self._env(secrets))
        context.log.info(
            f"{step.name}: submitted to running in {remote.launch_s:.1f} s, done in {remote.total_s:.1f} s"
            if remote.launch_s is not None
            else f"{step.name}: done in {remote.total_s:.1f} s"
        )
        launch = {"compute/launch_seconds": round(remote.launch_s or 0, 1), "compute/seconds": round(remote.total_s, 1)}
        for result in remote.results:
            yield (
                result._replace(metadata={**result.metadata, **launch})
                if isinstance(result, dg.MaterializeResult)
                else result
            )
        yield from dagster_events(context, [_days_applied(m[DAYS_APPLIED_MESSAGE]) for m in remote.messages
                                            if DAYS_APPLIED_MESSAGE in m])  # fmt: skip

    def _command(self, step: SparkStep) -> list[str]:
        conf = [arg for key, value in self.spark_conf.items() for arg in ("--conf", f"{key}={value}")]
        archive = package_archive(Path(self.package_dir))
        return [str(SPARK_SUBMIT), "--master", self.master_url(), "--name", step.name, *conf,
                "--py-files", str(archive), entry.__file__]  # fmt: skip

    def _env(self, secrets: Mapping[str, str]) -> dict[str, str]:
        # The driver and the executors' Python workers run this interpreter, which has the package's libraries.
        return {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable, **secrets}


def _days_applied(message: Mapping[str, Any]) -> DaysApplied:
    return DaysApplied(
        dg.AssetKey.from_user_string(message["asset_key"]), message["days"], dg.deserialize_value(message["metadata"])
    )

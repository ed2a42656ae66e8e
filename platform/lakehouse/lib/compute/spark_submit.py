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
from lakehouse.lib.compute.events import StepEvent, custom_results, dagster_events
from lakehouse.lib.compute.package import package_archive
from lakehouse.lib.compute.pipes_process import run_pipes_process
from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.resources import resource_settings
from lakehouse.lib.compute.step import SparkStep, step_run_fields
from lakehouse.lib.spark.cluster import LocalSparkCluster

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
    ) -> Iterator[StepEvent]:
        settings, secrets = resource_settings(resources)
        extras = {"step": step.name, "module": step.module, "run": step_run_fields(context, config or {}),
                  "resources": settings}  # fmt: skip
        remote = run_pipes_process(context, self._command(step), extras=extras, env=self._env(secrets))
        context.log.info(
            f"{step.name}: submitted to running in {remote.launch_s:.1f} s, done in {remote.total_s:.1f} s"
            if remote.launch_s is not None
            else f"{step.name}: done in {remote.total_s:.1f} s"
        )
        # The days first: a check reads the days a run applied from the table's newest materialization.
        yield from dagster_events(context, custom_results(remote.messages))
        launch = {"compute/launch_seconds": round(remote.launch_s or 0, 1), "compute/seconds": round(remote.total_s, 1)}
        for result in remote.results:
            if isinstance(result, dg.MaterializeResult):
                result = result._replace(metadata={**result.metadata, **launch})
            yield result

    def _command(self, step: SparkStep) -> list[str]:
        conf = [arg for key, value in self.spark_conf.items() for arg in ("--conf", f"{key}={value}")]
        archive = package_archive(Path(self.package_dir))
        return [str(SPARK_SUBMIT), "--master", self.master_url(), "--name", step.name, *conf,
                "--py-files", str(archive), entry.__file__]  # fmt: skip

    def _env(self, secrets: Mapping[str, str]) -> dict[str, str]:
        # The driver and the executors' Python workers run this interpreter, which has the package's libraries.
        return {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable, **secrets}


class LocalClusterCompute(SparkSubmitCompute):
    """Submits each step to the local standalone cluster whose state is in `cluster_home`, wherever its
    master listens now."""

    cluster_home: str
    master: str = ""  # where the cluster's master listens now, found from cluster_home

    def master_url(self) -> str:
        master = LocalSparkCluster(Path(self.cluster_home)).master_url()
        if master is None:
            raise dg.Failure(
                f"No Spark cluster runs from {self.cluster_home}: start it with `lakehouse cluster start`."
            )
        return master

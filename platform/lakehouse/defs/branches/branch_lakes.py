"""The `branch_lake_clone` job (requested once by a sensor in every branch deployment) and the
`branch_lake_cleanup` job (run in production by the deploy workflow when a pull request closes)."""

from collections.abc import Iterator

import dagster as dg
from pydantic import Field
from pyspark.sql import SparkSession

from lakehouse.lib.branch_lake import clone_production, clone_record, drop_branch_lake
from lakehouse.lib.branches import BranchDeployment, branch_lake_root, current_branch_deployment
from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.step import Reported, StepRun, spark_step
from lakehouse.lib.lanes import MAINTENANCE, lane
from lakehouse.lib.storage import LakehouseStorage


def clone(spark: SparkSession, run: StepRun) -> Iterator[Reported]:
    storage = run.resources["storage"]
    if storage.production_root_uri is None:
        raise dg.Failure("Not a branch deployment: production's lake is the one every other is cloned from.")
    cloned = clone_production(spark, storage.production_root_uri, storage.root_uri)
    rows = [f"| {c.table} | {c.production_version} |" for c in cloned]
    yield Reported({
        "production_root": storage.production_root_uri,
        "branch_root": storage.root_uri,
        "tables_cloned": len(cloned),
        "clones": dg.MetadataValue.md("\n".join(["| table | production version |", "|---|---:|", *rows])),
    })  # fmt: skip


CLONE = spark_step("branches/clone_production", clone, __name__)


@dg.op(description="Shallow-clones every production table the branch lake lacks and copies the stream checkpoints.")
def clone_production_tables(context: dg.OpExecutionContext, compute: SparkCompute, storage: LakehouseStorage):
    yield from compute.run(context, CLONE, {}, storage=storage)


@dg.job(description="Makes a branch deployment's lake from production's, without copying data.", tags=lane(MAINTENANCE))
def branch_lake_clone():
    clone_production_tables()


@dg.sensor(
    job=branch_lake_clone,
    minimum_interval_seconds=60,
    description="In a branch deployment, requests the clone of production's lake once, before anything else runs.",
    default_status=dg.DefaultSensorStatus.RUNNING if current_branch_deployment() else dg.DefaultSensorStatus.STOPPED,
)
def branch_lake_sensor(context: dg.SensorEvaluationContext, storage: LakehouseStorage):
    if storage.production_root_uri is None:
        return dg.SkipReason("Production: its lake is not a clone.")
    if clone_record(storage.root_uri):
        return dg.SkipReason(f"{storage.root_uri} is cloned from {storage.production_root_uri}.")
    return dg.RunRequest(run_key=storage.root_uri)


class BranchLakeCleanupConfig(dg.Config):
    branch: str = Field(description="The closed pull request's git branch (or its branch deployment's name).")


@dg.op(description="Deletes a closed branch's lake: its clones' logs and every file its runs wrote.")
def drop_closed_branch_lake(context: dg.OpExecutionContext, config: BranchLakeCleanupConfig, storage: LakehouseStorage):
    if storage.production_root_uri is not None:
        raise dg.Failure("Branch lakes are dropped from production, where the workflow closing a pull request runs.")
    root = branch_lake_root(storage.root_uri, BranchDeployment(config.branch))
    dropped = drop_branch_lake(root)
    context.log.info(f"{root}: {'dropped' if dropped else 'no such branch lake'}")
    return dg.Output(None, metadata={"branch_root": root, "dropped": dropped})


@dg.job(description="Drops the lake of a closed branch deployment.", tags=lane(MAINTENANCE))
def branch_lake_cleanup():
    drop_closed_branch_lake()

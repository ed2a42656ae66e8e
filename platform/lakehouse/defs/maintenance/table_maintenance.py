"""The `lake_maintenance` job: OPTIMIZE and VACUUM every Delta table of the lake, nightly.

Maintenance writes to the tables the pipelines write to, and a compaction that commits while a
Silver MERGE reads the same files makes one of the two fail. The local instance runs one run at a
time (dagster.yaml), so there the job waits in the queue for the run under way. Where runs overlap,
a table written during maintenance is left for the next night (the run fails, naming it, after
maintaining the others), and a Silver run that lost the race is idempotent and applies its batch
again on its next run.
"""

from collections.abc import Iterator

import dagster as dg
from delta.exceptions import DeltaConcurrentModificationException
from pydantic import Field
from pyspark.sql import SparkSession

from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.step import Reported, StepRun, spark_step
from lakehouse.lib.lanes import MAINTENANCE, lane
from lakehouse.lib.maintenance import delta_tables_under, maintain_table, oldest_recorded_versions
from lakehouse.lib.storage import LakehouseStorage

# Delta's own default for VACUUM, below which it refuses to run unless told (by turning off this
# check) that no reader or writer of the table is older than that.
DELTA_DEFAULT_RETENTION_HOURS = 168.0
RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"


class MaintenanceConfig(dg.Config):
    retain_hours: float = Field(
        default=DELTA_DEFAULT_RETENTION_HOURS,
        ge=0,
        description="Time travel kept on every table; a table that a consumer reads incrementally keeps "
        "more, back to the oldest version a consumer has still to read on from.",
    )


def maintain(spark: SparkSession, run: StepRun) -> Iterator[Reported]:
    retain_hours, root_uri = run.config["retain_hours"], run.resources["storage"].root_uri
    if retain_hours < DELTA_DEFAULT_RETENTION_HOURS and spark.conf.get(RETENTION_CHECK, "true") == "true":
        raise dg.Failure(
            f"retain_hours={retain_hours:g} is below Delta's safety limit of "
            f"{DELTA_DEFAULT_RETENTION_HOURS:g} h: set {RETENTION_CHECK}=false in the Spark "
            "configuration if no reader or writer of the lake runs longer than that"
        )
    tables = delta_tables_under(root_uri)
    protected = oldest_recorded_versions(tables)
    rows, busy = [], []
    for uri in tables:
        try:
            done = maintain_table(spark, uri, retain_hours, protected.get(uri))
        except DeltaConcurrentModificationException as error:
            busy.append(uri)
            run.log.warning(f"{uri}: written meanwhile, left for the next run ({type(error).__name__})")
            continue
        kept = "" if done.protected_version is None else f" (a consumer reads on from v{done.protected_version})"
        run.log.info(
            f"{uri}: {done.files_compacted} files compacted into {done.files_written}, "
            f"{done.retained_hours:g} h of history kept{kept}"
        )
        rows.append(
            f"| {uri.removeprefix(root_uri).lstrip('/')} | {done.files_compacted} | "
            f"{done.files_written} | {done.retained_hours:g} |"
        )
    yield Reported({
        "tables": len(tables),
        "maintained": dg.MetadataValue.md(
            "\n".join(["| table | files compacted | into | history kept (h) |", "|---|---:|---:|---:|", *rows])
        ),
    })  # fmt: skip
    if busy:
        raise dg.Failure(
            f"{len(busy)} table(s) were written during maintenance and are left for the next run: " + ", ".join(busy)
        )


MAINTAIN = spark_step("maintenance/delta_tables", maintain, __name__)


@dg.op(description="OPTIMIZE (compaction) and VACUUM every Delta table below the lake's root.")
def maintain_delta_tables(
    context: dg.OpExecutionContext, config: MaintenanceConfig, compute: SparkCompute, storage: LakehouseStorage
):
    yield from compute.run(context, MAINTAIN, {"retain_hours": config.retain_hours}, storage=storage)


@dg.job(
    description="Compacts every Delta table of the lake and deletes the files no kept version needs.",
    tags=lane(MAINTENANCE),
)
def lake_maintenance():
    maintain_delta_tables()


nightly_lake_maintenance = dg.ScheduleDefinition(
    job=lake_maintenance,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

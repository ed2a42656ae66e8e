"""Day-partitioned Silver tables follow their Bronze with unpartitioned runs.

Eager automation does this for the other Silver tables (lakehouse.lib.automation.silver_automation),
but on a time-partitioned asset it requests runs of the latest day only, while what Bronze adds
belongs to any day (late events too). So this sensor requests an unpartitioned run of such a table,
which applies what Bronze added whatever its days (lakehouse.lib.partitions), once one of its
sources materialized after its last unpartitioned run (a backfill of some days applies nothing
new). Like eager, it waits for every file source to exist and for runs already updating the
table or its sources.
"""

import dagster as dg

from lakehouse.defs.automation.triggers import TRIGGER_TAG, UNFINISHED, run_key
from lakehouse.defs.silver.stream_sources import KAFKA_BRONZE_KEYS
from lakehouse.defs.silver.tables import SILVER_TABLES
from lakehouse.lib.lanes import SILVER, lane
from lakehouse.lib.silver import SilverTable

SENSOR_NAME, TRIGGER = "event_tables_follow_bronze", "event_tables"
EVENT_TABLES = [table for table in SILVER_TABLES if table.partitions_def]


def last_materialized(instance: dg.DagsterInstance, key: dg.AssetKey) -> int:
    """Storage id of the asset's newest materialization; 0 when it has none."""
    records = instance.fetch_materializations(key, limit=1).records
    return records[0].storage_id if records else 0


def last_applied(instance: dg.DagsterInstance, key: dg.AssetKey) -> int:
    """Storage id of the event table's newest unpartitioned materialization (the last run that applied
    what its sources added); 0 when it has none. A backfill of some days applies nothing new."""
    cursor = None
    while True:
        page = instance.fetch_materializations(key, limit=100, cursor=cursor)
        unpartitioned = [record.storage_id for record in page.records if record.partition_key is None]
        if unpartitioned or not page.has_more:
            return unpartitioned[0] if unpartitioned else 0
        cursor = page.cursor


def keys_in_unfinished_runs(instance: dg.DagsterInstance) -> set[dg.AssetKey] | None:
    """Assets that queued or running runs will materialize; None when one of them runs every asset."""
    keys: set[dg.AssetKey] = set()
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED)):
        if run.asset_selection is None:
            return None
        keys |= run.asset_selection
    return keys


def behind_its_sources(instance: dg.DagsterInstance, table: SilverTable) -> str | None:
    """Why `table` needs a run (its sources' newest materializations, as text for the run key), or None."""
    sources = {key: last_materialized(instance, key) for key in table.sources.values()}
    if not all(sources[key] for key in sources if key not in KAFKA_BRONZE_KEYS):
        return None  # a file source was never materialized: a run would find nothing to read
    if max(sources.values()) <= last_applied(instance, table.key):
        return None
    return ",".join(f"{key.to_user_string()}@{sid}" for key, sid in sorted(sources.items()))


@dg.sensor(
    name=SENSOR_NAME,
    target=[table.key for table in EVENT_TABLES],
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs each day-partitioned Silver table, unpartitioned, when its Bronze sources changed after it.",
)
def event_tables_follow_bronze(context: dg.SensorEvaluationContext):
    busy = keys_in_unfinished_runs(context.instance)
    if busy is None:
        return dg.SkipReason("A run of every asset is queued or running.")
    behind = {}
    for table in EVENT_TABLES:
        if busy & {table.key, *table.sources.values()}:
            continue
        reason = behind_its_sources(context.instance, table)
        if reason:
            behind[table.key] = reason
    if not behind:
        return dg.SkipReason("Every event table has applied its sources' latest materializations.")
    return dg.RunRequest(
        run_key=run_key(TRIGGER, ";".join(behind[key] for key in sorted(behind))),
        asset_selection=sorted(behind),
        tags={**lane(SILVER), TRIGGER_TAG: TRIGGER},
    )

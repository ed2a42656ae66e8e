"""Lake maintenance on real Spark + Delta: compaction and VACUUM of every table, without deleting what
a consumer still reads."""

import dagster as dg
import pyarrow as pa
import pytest
from deltalake import DeltaTable

from lakehouse.defs.maintenance.table_maintenance import lake_maintenance
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.delta_tables import append_rows
from lakehouse.lib.incremental import Increment, read_as_of, read_increment, record_progress
from lakehouse.lib.storage import LakehouseStorage, local_path


def _append(spark, uri, ids):
    spark.createDataFrame([(i,) for i in ids], "id long").coalesce(1).write.format("delta").mode("append").save(uri)


def _ids(frame):
    return sorted(row.id for row in frame.collect())


def _parquet_files(uri):
    return len(list(local_path(uri).rglob("*.parquet")))


@pytest.fixture
def no_retention_check(spark):
    """Lets VACUUM keep less than Delta's week of history: the test cannot wait a week."""
    key = "spark.databricks.delta.retentionDurationCheck.enabled"
    spark.conf.set(key, "false")
    yield
    spark.conf.unset(key)


def test_maintenance_compacts_every_table_and_keeps_the_versions_a_consumer_reads_on_from(
    spark, spark_resource, storage, no_retention_check
):
    bronze, silver = storage.table_uri_for("bronze", "events"), storage.table_uri_for("silver", "events")
    for batch in range(6):  # versions 0-5, one small file each
        _append(spark, bronze, range(batch * 10, batch * 10 + 10))
    for batch in range(3):  # the consumer has folded in Bronze up to version 2
        _append(spark, silver, range(batch * 10, batch * 10 + 10))
    record_progress(spark, silver, [Increment(bronze, None, 2, rows=None)])
    ledger = storage.system_uri("ledger")  # the system tables are written with delta-rs
    for batch in range(3):
        append_rows(ledger, pa.table({"id": [batch]}))

    result = lake_maintenance.execute_in_process(
        run_config={"ops": {"maintain_delta_tables": {"config": {"retain_hours": 0}}}},
        resources={**in_process_spark(spark_resource), "storage": storage},
    )

    assert result.success
    [output] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_OUTPUT]
    metadata = output.event_specific_data.metadata
    assert metadata["tables"].value == 3
    assert "| bronze/events | 6 | 1 |" in metadata["maintained"].value
    for uri in (bronze, silver, ledger):
        assert len(DeltaTable(uri).file_uris()) == 1, uri
    # Nothing read the Silver table's older versions: their files are gone, and so is its time travel.
    assert _parquet_files(silver) == 1 and _ids(spark.read.format("delta").load(silver)) == list(range(30))
    with pytest.raises(Exception, match="(?i)file.*(not exist|not found)"):
        spark.read.format("delta").option("versionAsOf", 0).load(silver).collect()
    # Bronze kept what its consumer reads next (versions 3-5 from the change feed) and a rebuild
    # of some days reads (version 2), although no hours of history were asked for.
    assert _ids(read_increment(spark, bronze, 2).rows) == list(range(30, 60))
    assert _ids(read_as_of(spark, bronze, 2).rows) == list(range(30))
    assert _ids(spark.read.format("delta").load(bronze)) == list(range(60))
    # delta-rs goes on appending to a table that Spark maintained.
    append_rows(ledger, pa.table({"id": [3]}))
    assert sorted(DeltaTable(ledger).to_pyarrow_table().column("id").to_pylist()) == [0, 1, 2, 3]


def test_a_retention_below_deltas_limit_is_refused_before_any_table_is_touched(spark, spark_resource, storage):
    uri = storage.table_uri_for("silver", "events")
    _append(spark, uri, range(3))
    _append(spark, uri, range(3, 6))

    result = lake_maintenance.execute_in_process(
        run_config={"ops": {"maintain_delta_tables": {"config": {"retain_hours": 24}}}},
        resources={**in_process_spark(spark_resource), "storage": storage},
        raise_on_error=False,
    )

    [failure] = result.get_step_failure_events()
    assert "retain_hours=24 is below Delta's safety limit of 168 h" in failure.event_specific_data.error.message
    assert DeltaTable(uri).version() == 1 and len(DeltaTable(uri).file_uris()) == 2


def test_a_lake_nothing_has_written_to_yet_has_no_tables_to_maintain(spark_resource, tmp_path):
    storage = LakehouseStorage(root_uri=(tmp_path / "not_written_yet").as_uri())

    result = lake_maintenance.execute_in_process(resources={**in_process_spark(spark_resource), "storage": storage})

    [output] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_OUTPUT]
    assert result.success and output.event_specific_data.metadata["tables"].value == 0

"""The landing-zone sensor: a Bronze run for the feeds with files not yet ingested, each file requested
once, whatever the ingestion ledger already holds."""

import os

import dagster as dg
import pyarrow as pa
import pytest
from deltalake import write_deltalake

from lakehouse.defs.automation.landing_sensor import landing_zone_new_files
from lakehouse.defs.automation.triggers import TRIGGER_TAG
from lakehouse.defs.bronze.file_feeds import bronze_file_feed_asset
from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.lib.storage import LakehouseStorage

CLICKS = dg.AssetKey(["bronze", "web_clickstream"])
PRODUCTS = dg.AssetKey(["bronze", "erp_products"])


def land(lake_root, folder: str, name: str, mtime_ns: int | None = None, text: str = "{}\n"):
    path = lake_root / "landing" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def tick(storage, instance, cursor=None):
    return landing_zone_new_files(dg.build_sensor_context(instance=instance, cursor=cursor, resources={"storage": storage}))


def requested(result) -> tuple[set[dg.AssetKey], str]:
    [request] = result.run_requests
    assert request.tags[TRIGGER_TAG] == "landing"
    return set(request.asset_selection), request.run_key


def test_each_landed_file_is_requested_once_for_its_own_feed(storage, lake_root):
    with dg.instance_for_test() as instance:
        assert "No file landed" in tick(storage, instance).skip_message
        land(lake_root, "web/clickstream", "clickstream_1.json", mtime_ns=10**18)
        land(lake_root, "web/clickstream", "_upload_in_progress.json")
        land(lake_root, "web/clickstream", "notes.txt")  # not the feed's glob
        first = tick(storage, instance)
        assert requested(first)[0] == {CLICKS}
        assert "No file landed" in tick(storage, instance, first.cursor).skip_message

        # A file with the same modification time as one seen, and one in another feed.
        land(lake_root, "web/clickstream", "clickstream_2.json", mtime_ns=10**18)
        land(lake_root, "erp/products", "products_1.json")
        second = tick(storage, instance, first.cursor)
        keys, key = requested(second)
        assert keys == {CLICKS, PRODUCTS} and key != requested(first)[1]
        assert tick(storage, instance).run_requests[0].run_key != key  # a lost cursor: all three files again

        land(lake_root, "erp/products", "products_2.json")
        instance.add_run(dg.DagsterRun(job_name="bronze", status=dg.DagsterRunStatus.STARTED, tags={TRIGGER_TAG: "landing"}))
        assert "queued or running" in tick(storage, instance, second.cursor).skip_message


def test_files_the_ledger_holds_start_nothing(storage, lake_root):
    landed = [land(lake_root, "web/clickstream", f"clickstream_{i}.json") for i in range(2)]
    # The ledger as Bronze ingestion writes it: Hadoop's `file:/...` form of each path.
    write_deltalake(str(lake_root / "_system" / "ingest_ledger"),
                    pa.table({"feed": ["web_clickstream"] * 2, "source_file": [f"file:{p}" for p in landed]}))
    with dg.instance_for_test() as instance:
        result = tick(storage, instance)
        assert result.run_requests == [] and "already ingested" in result.skip_reason.skip_message
        land(lake_root, "web/clickstream", "clickstream_2.json")
        assert requested(tick(storage, instance, result.cursor))[0] == {CLICKS}


def test_only_local_landing_zones_are_listed(lake_root):
    with dg.instance_for_test() as instance:
        result = tick(LakehouseStorage(root_uri="s3a://bucket/lake"), instance)
        assert "local landing zones only" in result.skip_message


@pytest.mark.integration
def test_after_a_bronze_run_its_files_are_known_to_the_sensor(spark_resource, storage, lake_root):
    land(lake_root, "web/clickstream", "clickstream_1.json", text='{"event_id": "e1", "event_ts": "2026-01-05T00:00:00Z"}\n')
    [feed] = [f for f in FILE_FEEDS if f.name == "web_clickstream"]
    assert dg.materialize([bronze_file_feed_asset(feed)], resources={"spark": spark_resource, "storage": storage}).success
    with dg.instance_for_test() as instance:
        assert "already ingested" in tick(storage, instance).skip_reason.skip_message

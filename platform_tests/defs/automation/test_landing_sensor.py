"""The landing-zone sensor: a Bronze run for the feeds with files not yet ingested (or refused), each file
requested once, whatever the ingestion ledger already holds."""

import gzip
import os
from urllib.parse import quote

import dagster as dg
import pyarrow as pa
import pytest
from deltalake import write_deltalake

from lakehouse.defs.automation.landing_sensor import landing_zone_new_files
from lakehouse.defs.automation.triggers import TRIGGER_TAG
from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.defs.bronze.file_feeds import bronze_file_feed_asset
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.lanes import LANE_TAG, STREAM
from lakehouse.lib.storage import LakehouseStorage

CLICKS = dg.AssetKey(["bronze", "web_clickstream"])
PRODUCTS = dg.AssetKey(["bronze", "erp_products"])
ORDERS = dg.AssetKey(["bronze", "erp_orders"])


def land(lake_root, folder: str, name: str, mtime_ns: int | None = None, text: str | bytes = "{}\n"):
    path = lake_root / "landing" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def tick(storage, instance, cursor=None):
    return landing_zone_new_files(
        dg.build_sensor_context(instance=instance, cursor=cursor, resources={"storage": storage})
    )


def requested(result) -> tuple[set[dg.AssetKey], str]:
    [request] = result.run_requests
    assert request.tags[TRIGGER_TAG] == "landing" and request.tags[LANE_TAG] == STREAM
    return set(request.asset_selection), request.run_key


def test_each_landed_file_is_requested_once_for_its_own_feed(storage, lake_root):
    with dg.instance_for_test() as instance:
        assert "No file landed" in tick(storage, instance).skip_message
        land(lake_root, "web/clickstream", "clickstream_1.json", mtime_ns=10**18)
        land(lake_root, "web/clickstream", "_upload_in_progress.json")
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
        instance.add_run(
            dg.DagsterRun(job_name="bronze", status=dg.DagsterRunStatus.STARTED, tags={TRIGGER_TAG: "landing"})
        )
        assert "queued or running" in tick(storage, instance, second.cursor).skip_message


def test_a_file_the_feed_will_refuse_or_a_compressed_one_starts_a_run_and_a_hidden_one_does_not(storage, lake_root):
    with dg.instance_for_test() as instance:
        land(lake_root, "web/clickstream", "_tmp/clicks.json")
        land(lake_root, "web/clickstream", "clicks.json._COPYING_")
        assert "No file landed" in tick(storage, instance).skip_message
        land(lake_root, "erp/orders", "orders.parquet.gz")  # Bronze refuses it, recording why
        land(lake_root, "web/clickstream", "clicks.JSON.GZ", text=gzip.compress(b"{}\n"))
        assert requested(tick(storage, instance))[0] == {ORDERS, CLICKS}


def test_files_the_ledger_holds_start_nothing(storage, lake_root):
    landed = [land(lake_root, "web/clickstream", name) for name in ("clickstream_0.json", "h#1 [ü].json", "100%.json")]
    # The ledger as Bronze ingestion writes it: the URI `_metadata.file_path` gives (`file:/in/a%20b.json`);
    # ledgers written before that hold Hadoop's raw path string (`file:/in/a b.json`).
    uris = [f"file:{quote(str(landed[1]))}", f"file:{quote(str(landed[2]))}", f"file:{landed[0]}"]
    write_deltalake(
        str(lake_root / "_system" / "ingest_ledger"), pa.table({"feed": ["web_clickstream"] * 3, "source_file": uris})
    )
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
    for name in ("clickstream_1.json", "clicks #2 [ü] 100%.json", "notes.txt"):
        land(lake_root, "web/clickstream", name, text='{"event_id": "e1", "event_ts": "2026-01-05T00:00:00Z"}\n')
    land(lake_root, "web/clickstream", "clicks_3.json.gz", text=gzip.compress(b'{"event_id": "e3"}\n'))
    [feed] = [f for f in FILE_FEEDS if f.name == "web_clickstream"]
    assert dg.materialize(
        [bronze_file_feed_asset(feed)],
        resources={**in_process_spark(spark_resource), "storage": storage},
    ).success
    with dg.instance_for_test() as instance:
        assert "already ingested" in tick(storage, instance).skip_reason.skip_message

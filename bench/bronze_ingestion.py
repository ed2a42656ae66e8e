"""Bronze ingestion throughput: our Bronze assets against a bare Spark read -> Delta write.

    python bench/bronze_ingestion.py --scale 10000000

Generates the sample landing zone at the chosen scale (reused when already there), then for every
file feed, in one Spark session, times (a) the bare baseline `spark.read.format(fmt).load(folder)
.write.format("delta").save(...)` and (b) materializing our Bronze asset for that feed through
Dagster (exactly-once bookkeeping, rescue, refused files, metadata included). Prints rows/s of
both, the ratio, and how many Spark JVMs the process started.
"""

import argparse
import json
import shutil
import time
from pathlib import Path

import dagster as dg
import psutil
from dagster_pyspark import LazyPySparkResource

from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.defs.bronze.file_feeds import bronze_file_feed_asset
from lakehouse.lib.compute.in_process import InProcessCompute
from lakehouse.lib.ingest.readers import describe_error
from lakehouse.lib.spark.jvms import spark_jvm_pids
from lakehouse.lib.spark.session import local_spark_config
from lakehouse.lib.storage import LakehouseStorage
from lakehouse.sources.generate import generate_landing


def landing_zone(workdir: Path, scale: int, seed: int) -> Path:
    data = workdir / "data"
    marker = workdir / "generated.json"
    wanted = {"scale": scale, "seed": seed}
    if not marker.exists() or json.loads(marker.read_text()) != wanted:
        shutil.rmtree(data, ignore_errors=True)
        started = time.monotonic()
        print(generate_landing(data, scale=scale, seed=seed))
        print(f"generated in {time.monotonic() - started:.1f}s\n")
        marker.write_text(json.dumps(wanted))
    return data


def baseline(spark, feed, files: list[str], out: str) -> int | None:
    """What a bare pipeline does: read the files, write Delta. It is handed only the files our
    ingestion accepted, because a bare read fails outright on the empty and truncated ones; None
    when it fails even then (a schema-drifted file, say)."""
    reader = spark.read.format(feed.format).option("mergeSchema", "true")
    if feed.format == "csv":
        reader = reader.option("header", "true")
    try:
        reader.load(files).write.format("delta").mode("overwrite").save(out)
    except Exception as exc:
        print(f"baseline for {feed.name} fails: {describe_error(exc)}")
        return None
    return spark.read.format("delta").load(out).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lakehouse-bench"))
    args = parser.parse_args()

    data = landing_zone(args.workdir, args.scale, args.seed)
    for layer in ("bronze", "baseline", "_system"):
        shutil.rmtree(data / layer, ignore_errors=True)
    spark_resource = LazyPySparkResource(spark_config=local_spark_config(args.workdir / "spark"))
    spark = spark_resource.spark_session
    spark.sparkContext.setLogLevel("ERROR")
    storage = LakehouseStorage(root_uri=data.as_uri())
    resources = {"compute": InProcessCompute(spark=spark_resource), "storage": storage}

    # Warm the JVM (class loading, JIT, Delta's first commit) so the first feed is not penalised.
    warmup = (args.workdir / "warmup").as_uri()
    spark.range(10_000).write.format("delta").mode("overwrite").save(warmup)
    spark.read.format("delta").load(warmup).count()

    results = []
    ledger_uri = storage.system_uri("ingest_ledger")
    for feed in FILE_FEEDS:
        started = time.monotonic()
        result = dg.materialize([bronze_file_feed_asset(feed)], resources=resources)
        ours_s = time.monotonic() - started
        metadata = result.asset_materializations_for_node(f"bronze__{feed.name}")[0].metadata
        ours_rows = metadata["rows_ingested"].value

        ledger = spark.read.format("delta").load(ledger_uri)
        accepted = ledger.where(f"feed = '{feed.name}' AND status = 'ingested'").select("source_file")
        started = time.monotonic()
        base_rows = baseline(spark, feed, [r[0] for r in accepted.collect()], (data / "baseline" / feed.name).as_uri())
        base_s = time.monotonic() - started
        results.append((feed.name, base_rows, base_s, ours_rows, ours_s, metadata["files_rejected"].value))

    print(f"\nscale {args.scale:,} events; Spark {spark.version}; {psutil.cpu_count()} cores")
    bronze_columns = f"{'bronze rows':>11} {'s':>7} {'rows/s':>10}  {'refused':>7}"
    baseline_columns = f"{'baseline rows':>13} {'s':>7} {'rows/s':>10}  {'time x':>6}"
    print(f"{'feed':<22} {bronze_columns}   {baseline_columns}")
    for name, base_rows, base_s, ours_rows, ours_s, refused in results:
        base = (
            f"{base_rows:>13,} {base_s:>7.1f} {base_rows / base_s:>10,.0f}  {ours_s / base_s:>6.2f}"
            if base_rows is not None
            else f"{'fails':>13}"
        )
        print(f"{name:<22} {ours_rows:>11,} {ours_s:>7.1f} {ours_rows / ours_s:>10,.0f}  {refused:>7}   {base}")
    compared = [r for r in results if r[1] is not None]
    rows_ours, ours_s = sum(r[3] for r in compared), sum(r[4] for r in compared)
    rows_base, base_s = sum(r[1] for r in compared), sum(r[2] for r in compared)
    print(
        f"{'total (both ran)':<22} {rows_ours:>11,} {ours_s:>7.1f} {rows_ours / ours_s:>10,.0f}  {'':>7}   "
        f"{rows_base:>13,} {base_s:>7.1f} {rows_base / base_s:>10,.0f}  {ours_s / base_s:>6.2f}"
    )
    print(f"Spark JVMs started by this process: {len(spark_jvm_pids(psutil.Process()))}")


if __name__ == "__main__":
    main()

"""Silver refresh after a small batch of new change events against a full rebuild of the same tables.

    python bench/silver_incremental.py --scale 10000000

Generates the landing zone at the chosen scale (or reuses one), ingests it into Bronze, builds
every Silver table once, then, `--batches` times, lands a new batch about 1% of that size
(`--batch-fraction`), ingests it and times the incremental Silver refresh (only what Bronze added);
last, it times a full rebuild of the same tables from all of Bronze, in the same process and Spark
session. Prints both and the ratio of the median incremental refresh to the full one (target:
<= 1/10): a single small refresh moves by a third with the machine's load, the median much less.
"""

import argparse
import json
import time
from pathlib import Path

import dagster as dg
from dagster_pyspark import LazyPySparkResource

from lakehouse.definitions import defs
from lakehouse.defs.silver.tables import SILVER_STEPS, step_name
from lakehouse.lib.compute.in_process import InProcessCompute
from lakehouse.lib.fx_rates_api import FxRatesApi
from lakehouse.lib.spark.session import local_spark_config
from lakehouse.lib.storage import LakehouseStorage
from lakehouse.sources.fx_api import serve_fx_api
from lakehouse.sources.generate import generate_landing

FULL_REFRESH = {"ops": {step_name(step): {"config": {"full_refresh": True}} for step in SILVER_STEPS}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--batch-fraction", type=float, default=0.01)
    parser.add_argument("--batches", type=int, default=3, help="incremental refreshes, one per new batch")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/lakehouse-bench-silver"))
    args = parser.parse_args()

    data = args.workdir / "data"
    marker = args.workdir / "generated.json"
    if not marker.exists() or json.loads(marker.read_text()).get("scale") != args.scale:
        print(generate_landing(data, scale=args.scale))
        marker.write_text(json.dumps({"scale": args.scale, "batches": 0}))
    state = json.loads(marker.read_text())

    # The sample FX rates API, as `lakehouse materialize` serves it.
    with serve_fx_api() as fx_server:
        spark = LazyPySparkResource(spark_config=local_spark_config(args.workdir / "spark"))
        storage = LakehouseStorage(root_uri=data.as_uri())
        definitions = defs()
        resources = {
            **definitions.resources,
            "spark": spark,
            "compute": InProcessCompute(spark=spark),
            "storage": storage,
            "fx_api": FxRatesApi(base_url=fx_server.base_url, page_size=1000),
        }

        def run(selection: dg.AssetSelection, config: dict | None = None) -> tuple[float, dict[str, float]]:
            """Wall-clock seconds of the run, and seconds per step."""
            job = dg.define_asset_job("bench", selection=selection)
            local = dg.Definitions(
                assets=definitions.assets,
                asset_checks=definitions.asset_checks,
                jobs=[job],
                resources=resources,
                executor=dg.in_process_executor,
            )
            started = time.monotonic()
            # Run config, not the job's: a job with a partitioned asset reads its own config per partition.
            result = local.resolve_job_def("bench").execute_in_process(run_config=config, raise_on_error=False)
            assert result.success, "the benchmark run failed"
            steps = {
                e.step_key: e.event_specific_data.duration_ms / 1000
                for e in result.all_events
                if e.event_type == dg.DagsterEventType.STEP_SUCCESS
            }
            return time.monotonic() - started, steps

        # Assets only: the checks scan whole tables and would cost the same in both modes.
        silver = dg.AssetSelection.groups("silver").without_checks()
        bronze = dg.AssetSelection.from_string("group:bronze and not kind:kafka")  # the file drops and the API
        run(bronze)
        run(silver)  # the tables exist and are up to date before the measurement

        small = max(1_000, int(args.scale * args.batch_fraction))
        incremental: list[tuple[float, dict[str, float]]] = []
        for batch in range(state["batches"] + 1, state["batches"] + 1 + args.batches):
            print(generate_landing(data, scale=small, batch=batch))
            marker.write_text(json.dumps({**state, "batches": batch}))
            run(bronze)
            incremental.append(run(silver))
            print(f"incremental refresh after batch {batch}: {incremental[-1][0]:.1f} s")
        # The median run by wall-clock time (the upper one of an even count), with its steps.
        incremental_s, incremental_steps = sorted(incremental, key=lambda r: r[0])[len(incremental) // 2]
        full_s, full_steps = run(silver, FULL_REFRESH)
        print(
            f"\nscale {args.scale:,} events, {args.batches} new batches of ~{small:,} events "
            f"({args.batch_fraction:.0%}) each"
        )
        print(f"{'step':32} {'full s':>8} {'incr. s':>8}  (incremental: the median run)")
        for step in sorted(full_steps, key=full_steps.get, reverse=True):
            print(f"{step:32} {full_steps[step]:8.1f} {incremental_steps.get(step, 0):8.1f}")
        print(f"Silver full rebuild from Bronze:   {full_s:8.1f} s")
        print(f"Silver incremental refreshes:      {', '.join(f'{r[0]:.1f}' for r in incremental)} s")
        print(f"  median:                           {incremental_s:8.1f} s")
        print(f"incremental (median) / full:        {incremental_s / full_s:8.3f}  (target <= 0.100)")


if __name__ == "__main__":
    main()

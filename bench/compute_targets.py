"""The README's main job in the Dagster process vs on the local Spark cluster, and what launching a step costs.

    python bench/compute_targets.py --scale 100000

Two fresh homes with the same sample sources, one `lakehouse materialize` in each: LAKEHOUSE_TARGET=local
(the baseline), then local-cluster with a cluster started for it. Prints both wall times and, per Spark
application, the time from spark-submit to its session being up (launch) and in all, from the steps' logs.
"""

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

from lakehouse.lib.spark.cluster import LocalSparkCluster
from lakehouse.lib.targets import PROJECT_ROOT
from lakehouse.sources.generate import generate_landing

# What SparkSubmitCompute logs for every application it ran.
LAUNCH_LINE = re.compile(r"^(?P<step>\S+): submitted to running in (?P<launch>[\d.]+) s, done in (?P<total>[\d.]+) s$")


def materialize(home: Path, target: str) -> float:
    env = {**os.environ, "LAKEHOUSE_HOME": str(home), "DAGSTER_HOME": str(home), "LAKEHOUSE_TARGET": target,
           "LAKEHOUSE_PII_SALT": "the same salt for both runs"}  # fmt: skip
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "lakehouse.cli", "materialize"], cwd=home, env=env,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return time.monotonic() - started


def launches(home: Path) -> list[tuple[str, float, float]]:
    """(application, launch s, total s) of every application of the home's one run."""
    # dagster.yaml places the instance's storage relative to the working directory, as the run had it.
    with contextlib.chdir(home), dg.DagsterInstance.from_config(str(home)) as instance:
        [run] = instance.get_runs(limit=1)
        lines = (LAUNCH_LINE.match(entry.user_message) for entry in instance.all_logs(run.run_id))
        return [(m["step"], float(m["launch"]), float(m["total"])) for m in lines if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000, help="events in the sample sources (the demo's)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lakehouse-bench-compute-"))
    homes = {target: work / target for target in ("local", "local-cluster")}
    for home in homes.values():
        home.mkdir()
        shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
        generate_landing(home / "data", scale=args.scale)
    print(f"scale {args.scale:,} events, homes in {work}")

    local_s = materialize(homes["local"], "local")
    print(f"in process (baseline): {local_s:7.1f} s")
    cluster = LocalSparkCluster(homes["local-cluster"] / "spark-cluster")
    cluster.start()
    try:
        cluster_s = materialize(homes["local-cluster"], "local-cluster")
    finally:
        cluster.stop()
    apps = launches(homes["local-cluster"])
    launch = sorted(a[1] for a in apps)
    print(f"local cluster:         {cluster_s:7.1f} s ({cluster_s / local_s:.2f} x in process)")
    print(f"{len(apps)} applications; launch (spark-submit to session up) median {statistics.median(launch):.1f} s, "
          f"p95 {launch[int(0.95 * (len(launch) - 1))]:.1f} s, max {launch[-1]:.1f} s, "
          f"{sum(launch):.0f} s in all ({sum(launch) / cluster_s:.0%} of the run)")  # fmt: skip
    print(f"\n{'application':55} {'launch s':>9} {'total s':>8}")
    for step, launch_s, total_s in sorted(apps, key=lambda a: -a[2]):
        print(f"{step:55} {launch_s:9.1f} {total_s:8.1f}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()

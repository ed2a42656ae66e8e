"""`lakehouse`: the command line of the local default.

    lakehouse demo --scale 100000   generate sample sources, materialize every asset, print a summary
    lakehouse generate ...          write (more) sample files into the landing zone
    lakehouse materialize [--select] materialize assets in this process, recorded in the Dagster instance
    lakehouse summary               list the lakehouse tables, read back with an independent Delta reader
    lakehouse jars                  fetch Spark's extra jars (once; cached)
    lakehouse serve-fx-api          run the sample FX rates API on 127.0.0.1
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from lakehouse.lib.targets import PROJECT_ROOT, local_state_dir


def _landing_root() -> Path:
    return local_state_dir() / "data"


def cmd_jars(_: argparse.Namespace) -> int:
    from lakehouse.lib.spark.jars import jar_cache_dir, resolve_jars

    jars = resolve_jars()
    print(f"{len(jars)} Spark jars ready in {jar_cache_dir()}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from lakehouse.sources.generate import generate_landing

    started = time.monotonic()
    summary = generate_landing(_landing_root(), scale=args.scale, seed=args.seed, bad_fraction=args.bad_fraction, batch=args.batch)
    print(summary)
    print(f"landing zone written to {_landing_root() / 'landing'} in {time.monotonic() - started:.1f}s")
    return 0


def cmd_materialize(args: argparse.Namespace) -> int:
    import dagster as dg

    from lakehouse.definitions import defs

    definitions = defs()
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    started = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        job = definitions.resolve_implicit_global_asset_job_def()
        result = job.execute_in_process(
            instance=instance,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            asset_selection=list(dg.AssetSelection.from_string(args.select).resolve(definitions.resolve_asset_graph()))
            if args.select else None,
            raise_on_error=False,
        )
    elapsed = time.monotonic() - started
    materialized = len(result.get_asset_materialization_events())
    status = "succeeded" if result.success else "FAILED"
    print(f"run {result.run_id} {status}: {materialized} asset materializations in {elapsed:.1f}s")
    return 0 if result.success else 1


def cmd_summary(_: argparse.Namespace) -> int:
    from lakehouse.summary import print_summary

    print_summary(_landing_root())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if not (_landing_root() / "landing").exists():
        if cmd_generate(args):
            return 1
    else:
        print(f"landing zone already present in {_landing_root() / 'landing'}: ingesting what is new")
    if cmd_materialize(argparse.Namespace(select=None)):
        return 1
    return cmd_summary(args)


def cmd_serve_fx_api(args: argparse.Namespace) -> int:
    from lakehouse.sources.fx_api import run_forever

    run_forever("127.0.0.1", args.port, seed=args.seed, fault_rate=args.fault_rate)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lakehouse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    def generation_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--scale", type=int, default=100_000, help="clickstream events; other volumes follow")
        p.add_argument("--seed", type=int, default=7)
        p.add_argument("--bad-fraction", type=float, default=0.01, help="share of malformed records per feed")
        p.add_argument("--batch", type=int, default=0, help="a new batch number adds new files")

    commands.add_parser("jars", help="fetch Spark's extra jars").set_defaults(func=cmd_jars)
    p = commands.add_parser("generate", help="write sample source files")
    generation_options(p)
    p.set_defaults(func=cmd_generate)
    p = commands.add_parser("materialize", help="materialize assets")
    p.add_argument("--select", help="asset selection, e.g. 'group:bronze' or 'key:bronze/web_clickstream'")
    p.set_defaults(func=cmd_materialize)
    commands.add_parser("summary", help="print the tables").set_defaults(func=cmd_summary)
    p = commands.add_parser("demo", help="generate, materialize everything, summarize")
    generation_options(p)
    p.set_defaults(func=cmd_demo)
    p = commands.add_parser("serve-fx-api", help="run the sample FX rates API")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--fault-rate", type=float, default=0.1)
    p.set_defaults(func=cmd_serve_fx_api)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

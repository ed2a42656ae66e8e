"""`lakehouse`: the command line of the local default.

lakehouse demo --scale 100000   generate sample sources, materialize every asset, print a summary
lakehouse generate ...          write (more) sample files into the landing zone
lakehouse materialize [--select] materialize assets in this process, recorded in the Dagster instance
lakehouse summary               list the lakehouse tables, read back with an independent Delta reader
lakehouse ui                    the Dagster UI and daemon (`dagster dev`) over this code location
lakehouse jars                  fetch the jars of Spark and of the local Kafka broker (once; cached)
lakehouse serve-fx-api          run the sample FX rates API on 127.0.0.1
lakehouse kafka start|stop|status   the local single-node Kafka broker (127.0.0.1)
lakehouse cluster start|stop|status the local Spark standalone cluster (127.0.0.1) of the local-cluster target
lakehouse produce --rate N --seconds S   publish change events and clickstream to Kafka
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from lakehouse.lib.targets import PROJECT_ROOT, local_state_dir
from lakehouse.sources.topics import TOPICS as EVENT_TOPICS


def _landing_root() -> Path:
    return local_state_dir() / "data"


@contextlib.contextmanager
def _fx_rates_api() -> Iterator[None]:
    """The FX rates API the runs read: LAKEHOUSE_FX_API_URL, or else the sample API, served on 127.0.0.1
    for as long as the command runs (the code location never starts a sample system itself)."""
    from lakehouse.lib.fx_rates_api import URL_ENV

    if os.environ.get(URL_ENV):
        yield
        return
    from lakehouse.sources.fx_api import serve_fx_api

    with serve_fx_api(fault_rate=0.1) as server:  # a flaky API, as the real one can be
        os.environ[URL_ENV] = server.base_url
        try:
            yield
        finally:
            del os.environ[URL_ENV]


def cmd_jars(_: argparse.Namespace) -> int:
    from lakehouse.lib.kafka.broker import BROKER_JARS
    from lakehouse.lib.spark.jars import SPARK_JARS

    for classpath in (SPARK_JARS, BROKER_JARS):
        print(f"{len(classpath.resolve())} jars of {classpath.purpose} ready in {classpath.cache_dir()}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from lakehouse.sources.generate import generate_landing

    started = time.monotonic()
    summary = generate_landing(
        _landing_root(), scale=args.scale, seed=args.seed, bad_fraction=args.bad_fraction, batch=args.batch
    )
    print(summary)
    print(f"landing zone written to {_landing_root() / 'landing'} in {time.monotonic() - started:.1f}s")
    return 0


def cmd_materialize(args: argparse.Namespace) -> int:
    import dagster as dg

    from lakehouse.definitions import defs

    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    started = time.monotonic()
    with _fx_rates_api(), dg.DagsterInstance.get() as instance:
        definitions = defs()
        job = definitions.resolve_implicit_global_asset_job_def()
        result = job.execute_in_process(
            instance=instance,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            tags=_partition_range_tags(args.partition_range),
            asset_selection=list(dg.AssetSelection.from_string(args.select).resolve(definitions.resolve_asset_graph()))
            if args.select
            else None,
            raise_on_error=False,
        )
    elapsed = time.monotonic() - started
    materialized = len(result.get_asset_materialization_events())
    status = "succeeded" if result.success else "FAILED"
    print(f"run {result.run_id} {status}: {materialized} asset materializations in {elapsed:.1f}s")
    for check in result.get_asset_check_evaluations():
        if not check.passed:
            print(f"check failed ({check.severity.value}): {check.asset_key.to_user_string()} {check.check_name}")
    return 0 if result.success else 1


def _partition_range_tags(partition_range: str | None) -> dict[str, str]:
    """One run over a range of days (`2026-01-05...2026-01-07`), as a backfill from the UI makes it."""
    if not partition_range:
        return {}
    first, last = partition_range.split("...")
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


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
    if cmd_materialize(argparse.Namespace(select=None, partition_range=None)):
        return 1
    return cmd_summary(args)


def cmd_ui(_: argparse.Namespace) -> int:
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    with _fx_rates_api():
        dagster = Path(sys.executable).with_name("dagster")
        return subprocess.call([str(dagster), "dev", "-w", str(PROJECT_ROOT / "workspace.yaml")], cwd=PROJECT_ROOT)


def cmd_serve_fx_api(args: argparse.Namespace) -> int:
    from lakehouse.sources.fx_api import run_forever

    run_forever("127.0.0.1", args.port, seed=args.seed, fault_rate=args.fault_rate)
    return 0


def _local_server(
    action: str,
    name: str,
    start: Callable[[], list[str]],
    stop: Callable[[], bool],
    status: Callable[[], list[str] | None],
    start_errors: tuple[type[Exception], ...],
) -> int:
    """`start|stop|status` of a server on this machine: `start` and `status` return the lines to print,
    `status` None when the server is not running."""
    if action == "start":
        try:
            lines = start()
        except start_errors as exc:
            print(f"cannot start the {name}: {exc}", file=sys.stderr)
            return 1
    elif action == "stop":
        lines = [f"{name} stopped" if stop() else f"no {name} was running"]
    else:
        lines = status()
        if lines is None:
            print(f"no {name} running")
            return 1
    print("\n".join(lines))
    return 0


def cmd_kafka(args: argparse.Namespace) -> int:
    from lakehouse.lib.kafka.admin import end_offsets
    from lakehouse.lib.kafka.broker import BrokerError
    from lakehouse.lib.kafka.cluster import BOOTSTRAP_ENV, local_broker
    from lakehouse.lib.maven import JarResolutionError

    broker = local_broker(local_state_dir())

    def start() -> list[str]:
        bootstrap = broker.start()
        return [
            f"Kafka broker running on {bootstrap} (data and broker.log in {broker.home})",
            f"`lakehouse` commands find it by themselves; for other clients: export {BOOTSTRAP_ENV}={bootstrap}",
        ]

    def status() -> list[str] | None:
        bootstrap = broker.bootstrap_servers()
        if bootstrap is None:
            return None
        topics = end_offsets(bootstrap, _kafka_topics(bootstrap)).items()
        return [f"Kafka broker running on {bootstrap}, pid {broker.pid()}, home {broker.home}"] + [
            f"  {topic}: {sum(offsets.values()):,} messages in {len(offsets)} partition(s)" for topic, offsets in topics
        ]

    return _local_server(args.action, "Kafka broker", start, broker.stop, status, (BrokerError, JarResolutionError))


def cmd_cluster(args: argparse.Namespace) -> int:
    from lakehouse.lib.spark.cluster import ClusterError
    from lakehouse.lib.targets import local_spark_cluster

    cluster = local_spark_cluster()

    def start() -> list[str]:
        master = cluster.start()
        return [f"Spark cluster running on {master} (logs in {cluster.home}); LAKEHOUSE_TARGET=local-cluster uses it"]

    def status() -> list[str] | None:
        state = cluster.status()
        if state["status"] != "ALIVE":
            return None
        return [f"Spark cluster running on {cluster.master_url()}: {state['cores']} cores, {state['memory']} MB"] + [
            f"  application {app['id']} {app['name']} ({app['state']}, {app['cores']} cores)"
            for app in state.get("activeapps", [])
        ]

    return _local_server(args.action, "Spark cluster", start, cluster.stop, status, (ClusterError,))


def cmd_postgres(args: argparse.Namespace) -> int:
    from lakehouse.lib.postgres.server import PostgresError, PostgresServer
    from lakehouse.lib.targets import local_state_dir

    server = PostgresServer(local_state_dir() / "postgres")

    def start() -> list[str]:
        environment = server.start()
        return [
            f"PostgreSQL running on 127.0.0.1:{environment['DAGSTER_PG_PORT']} (state in {server.home}).",
            "For the deployment's instance: DAGSTER_HOME=deploy with",
            *(f"export {name}={value}" for name, value in environment.items()),
        ]

    def status() -> list[str] | None:
        environment = server.environment()
        if environment is None:
            return None
        return [f"PostgreSQL running on 127.0.0.1:{environment['DAGSTER_PG_PORT']}, pid {server.pid()}"]

    return _local_server(args.action, "PostgreSQL server", start, server.stop, status, (PostgresError,))


def _kafka_topics(bootstrap: str) -> list[str]:
    from lakehouse.lib.kafka.admin import cluster_metadata

    return sorted(t for t in cluster_metadata(bootstrap).topics if not t.startswith("__"))


def cmd_produce(args: argparse.Namespace) -> int:
    from lakehouse.lib.kafka.admin import KafkaUnavailable
    from lakehouse.lib.kafka.cluster import BOOTSTRAP_ENV
    from lakehouse.lib.targets import local_kafka_cluster
    from lakehouse.sources.event_producer import produce_events

    bootstrap = local_kafka_cluster(local_state_dir()).resolved_bootstrap_servers()
    if bootstrap is None:
        print(
            f"no Kafka broker: run `lakehouse kafka start` (or `make kafka-start`) or set {BOOTSTRAP_ENV}",
            file=sys.stderr,
        )
        return 1
    print(f"publishing {args.rate:g} messages/s for {args.seconds:g}s to {bootstrap}: {', '.join(args.topics)}")
    try:
        report = produce_events(
            bootstrap,
            rate=args.rate,
            seconds=args.seconds,
            topics=args.topics,
            seed=args.seed,
            batch=args.batch,
            partitions=args.partitions,
            log=print,
        )
    except KafkaUnavailable as exc:
        print(f"cannot publish: {exc}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    return 1 if report.errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lakehouse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def generation_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--scale", type=int, default=100_000, help="clickstream events; other volumes follow")
        p.add_argument("--seed", type=int, default=7)
        p.add_argument("--bad-fraction", type=float, default=0.01, help="share of malformed records per feed")
        p.add_argument("--batch", type=int, default=0, help="a new batch number adds new files")

    commands.add_parser("jars", help="fetch the jars of Spark and the Kafka broker").set_defaults(func=cmd_jars)
    p = commands.add_parser("generate", help="write sample source files")
    generation_options(p)
    p.set_defaults(func=cmd_generate)
    p = commands.add_parser("materialize", help="materialize assets")
    p.add_argument("--select", help="asset selection, e.g. 'group:bronze' or 'key:bronze/web_clickstream'")
    p.add_argument("--partition-range", help="one run over these days of day-partitioned assets: FIRST...LAST")
    p.set_defaults(func=cmd_materialize)
    commands.add_parser("summary", help="print the tables").set_defaults(func=cmd_summary)
    commands.add_parser("ui", help="the Dagster UI and daemon, with the sample FX API").set_defaults(func=cmd_ui)
    p = commands.add_parser("demo", help="generate, materialize everything, summarize")
    generation_options(p)
    p.set_defaults(func=cmd_demo)
    p = commands.add_parser("serve-fx-api", help="run the sample FX rates API")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--fault-rate", type=float, default=0.1)
    p.set_defaults(func=cmd_serve_fx_api)
    p = commands.add_parser("kafka", help="start, stop or inspect the local Kafka broker")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=cmd_kafka)
    p = commands.add_parser("cluster", help="start, stop or inspect the local Spark standalone cluster")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=cmd_cluster)
    p = commands.add_parser("postgres", help="start, stop or inspect a local PostgreSQL for deploy/dagster.yaml")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=cmd_postgres)
    p = commands.add_parser("produce", help="publish the sources' change events and clickstream to Kafka")
    p.add_argument("--rate", type=float, default=100.0, help="messages per second, over all topics")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument(
        "--topics",
        nargs="+",
        default=list(EVENT_TOPICS),
        choices=EVENT_TOPICS,
        metavar="TOPIC",
        help=f"any of {', '.join(EVENT_TOPICS)} (default: all)",
    )
    p.add_argument("--batch", type=int, default=0, help="source batch to start from; a later batch has later events")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--partitions", type=int, default=3, help="partitions of topics created by this run")
    p.set_defaults(func=cmd_produce)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

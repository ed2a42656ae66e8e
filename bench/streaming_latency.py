"""Event-to-Silver latency with the sensors and the daemon doing the work, and Kafka-to-Bronze throughput.

    python bench/streaming_latency.py --rate 50 --seconds 240

In a fresh local installation (its own LAKEHOUSE_HOME and DAGSTER_HOME with the repository's
dagster.yaml: queued runs, one at a time, each in a new process with its own Spark JVM) it lands
a small batch of files and builds Bronze and Silver from them, starts the Kafka broker and
`dagster-daemon` with every sensor as shipped except the Gold one (`--with-gold` keeps it: its dbt
runs then share the one run slot), and publishes the sources' events at a steady rate. Nobody
starts a run: the Kafka sensor does. Prints, for clickstream events, the time from being
produced (the Kafka record's timestamp) to being visible in Silver (the commit that inserted it):
p50, p95 and max against the 60 s target; where a run's time goes; the cost of starting a Spark
JVM; and Kafka-to-Bronze throughput in steady state and when draining a backlog. Checks on the way
that Bronze holds every produced record exactly once.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg
import pyarrow as pa
from dagster._core.scheduler.instigation import InstigatorType
from deltalake import DeltaTable

from lakehouse.defs.automation.automation_sensors import dbt_models_automation
from lakehouse.defs.automation.kafka_sensor import SENSOR_NAME, TRIGGER, consumed_offsets
from lakehouse.defs.automation.triggers import TRIGGER_TAG, UNFINISHED
from lakehouse.defs.bronze.kafka_topics import KAFKA_FEEDS
from lakehouse.defs.silver.tables import SILVER_STEPS, step_name
from lakehouse.lib.kafka.admin import end_offsets, ensure_topics
from lakehouse.lib.kafka.cluster import local_broker
from lakehouse.lib.storage import LakehouseStorage
from lakehouse.lib.targets import PROJECT_ROOT
from lakehouse.sources.event_producer import DEFAULT_PARTITIONS, produce_events
from lakehouse.sources.topics import CLICKSTREAM, TOPICS

TARGET_P50_SECONDS = 60
WORKSPACE = str(PROJECT_ROOT / "workspace.yaml")
PRODUCER_BATCH = 1_000  # source batches far from the landed files' batch 0: every event is new to Silver
JVM_START = """
import time; started = time.monotonic()
from dagster_pyspark import LazyPySparkResource
from lakehouse.lib.spark.session import local_spark_config
LazyPySparkResource(spark_config=local_spark_config({scratch!r})).spark_session.range(1).count()
print(time.monotonic() - started)
"""


def run_tool(home: Path, *command: str) -> str:
    result = subprocess.run(command, cwd=home, env=environment(home), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def lakehouse(home: Path, *args: str) -> str:
    return run_tool(home, sys.executable, "-m", "lakehouse.cli", *args)


def venv_tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def environment(home: Path) -> dict[str, str]:
    return {**os.environ, "LAKEHOUSE_HOME": str(home), "DAGSTER_HOME": str(home)}


def jvm_start_seconds(home: Path, samples: int = 3) -> list[float]:
    script = JVM_START.format(scratch=str(home / "spark"))
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", script], env=environment(home), capture_output=True, text=True, check=True
            ).stdout.split()[-1]
        )
        for _ in range(samples)
    ]


def wait_for_first_tick(instance: dg.DagsterInstance, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not any(
        s.instigator_name == SENSOR_NAME and s.instigator_data and s.instigator_data.last_tick_timestamp
        for s in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
    ):
        assert time.monotonic() < deadline, "the daemon never ticked the Kafka sensor"
        time.sleep(1)


def wait_until_drained(instance, storage, bootstrap, timeout: float = 900) -> float:
    """Seconds until Bronze consumed every record and no run is queued or running, twice in a row."""
    started, settled = time.monotonic(), 0
    while settled < 2:
        assert time.monotonic() - started < timeout, "Bronze and Silver did not catch up with the producer"
        time.sleep(5)
        ends = end_offsets(bootstrap, TOPICS)
        consumed = {feed.topic: consumed_offsets(storage, feed) for feed in KAFKA_FEEDS}
        busy = instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED), limit=1)
        settled = settled + 1 if ends == consumed and not busy else 0
    return time.monotonic() - started


def latencies(data: Path, silver_version_before: int) -> list[float]:
    """Per clickstream event produced to Kafka: seconds from its record's timestamp to the commit of
    the Silver version that inserted it."""
    bronze = DeltaTable(str(data / "bronze" / "kafka_web_clickstream")).to_pyarrow_table(columns=["value", "timestamp"])
    produced = {
        json.loads(v)["event_id"]: ts.timestamp()
        for v, ts in zip(bronze["value"].to_pylist(), bronze["timestamp"].to_pylist())
    }
    changes = DeltaTable(str(data / "silver" / "clickstream_events")).load_cdf(
        starting_version=silver_version_before + 1, columns=["event_id", "_change_type", "_commit_timestamp"]
    )
    changes = pa.table(changes.read_all()).to_pylist()  # delta-rs hands back an Arrow stream of its own
    visible = {}
    for change in changes:
        if change["_change_type"] == "insert" and change["event_id"] in produced:
            at = change["_commit_timestamp"].timestamp()
            visible[change["event_id"]] = min(at, visible.get(change["event_id"], at))
    missing = set(produced) - set(visible)
    assert not missing, f"{len(missing)} produced clickstream events never reached Silver, e.g. {sorted(missing)[:3]}"
    return sorted(visible[e] - produced[e] for e in produced)


def percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def step_seconds(instance, run_id: str) -> dict[str, tuple[float, float]]:
    return {s.step_key: (s.start_time, s.end_time) for s in instance.get_run_step_stats(run_id) if s.end_time}


def event_time(instance, run_id: str, event_type: dg.DagsterEventType) -> float:
    return instance.get_records_for_run(run_id, of_type=event_type).records[0].event_log_entry.timestamp


def run_breakdown(instance, silver_steps: set[str]) -> list[dict[str, float]]:
    """Where the time of each Kafka-sensor run went, in seconds."""
    rows = []
    for record in instance.get_run_records(filters=dg.RunsFilter(tags={TRIGGER_TAG: TRIGGER})):
        run_id = record.dagster_run.run_id
        steps = step_seconds(instance, run_id)
        if not steps or record.end_time is None:
            continue
        took = {key: end - start for key, (start, end) in steps.items()}
        bronze = sorted((k for k in steps if k.startswith("bronze__kafka")), key=lambda k: steps[k][0])
        silver = [k for k in steps if k in silver_steps]
        launched = event_time(instance, run_id, dg.DagsterEventType.RUN_STARTING)
        row = {
            "queued (sensor request -> launch)": launched - record.create_timestamp.timestamp(),
            "process start, code location load": record.start_time - launched,
            "first Bronze step (Spark JVM start in it)": took[bronze[0]],
            "other Bronze steps": sum(took[k] for k in bronze[1:]),
            "Silver steps": sum(took[k] for k in silver),
            "checks": sum(took.values()) - sum(took[k] for k in bronze + silver),
            "total (sensor request -> run end)": record.end_time - record.create_timestamp.timestamp(),
        }
        if "silver__clickstream_events" in steps:
            row["run start -> silver.clickstream_events done"] = (
                steps["silver__clickstream_events"][1] - record.start_time
            )
        rows.append(row)
    return rows


def bronze_throughput(instance, run_id: str) -> list[tuple[str, int, float]]:
    """(table, rows ingested, seconds of its step) for each Kafka Bronze step of the run."""
    steps = step_seconds(instance, run_id)
    result = []
    for event in instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records:
        materialization = event.event_log_entry.dagster_event.event_specific_data.materialization
        if materialization.asset_key.path[-1].startswith("kafka_"):
            start, end = steps[event.event_log_entry.step_key]
            result.append(
                (materialization.asset_key.path[-1], materialization.metadata["rows_ingested"].value, end - start)
            )
    return result


def kafka_run_ids(instance) -> list[str]:
    return [r.dagster_run.run_id for r in instance.get_run_records(filters=dg.RunsFilter(tags={TRIGGER_TAG: TRIGGER}))]


def prepare(home: Path, scale: int, with_gold: bool) -> None:
    """Bronze and Silver built from a batch of landed files, as `make demo` leaves them (without Gold)."""
    print(f"installation in {home}")
    jvm = jvm_start_seconds(home)
    print(f"Spark JVM start in a fresh process (imports, session, first job): {', '.join(f'{s:.1f}s' for s in jvm)}")
    started = time.monotonic()
    lakehouse(home, "generate", "--scale", str(scale))
    lakehouse(home, "materialize", "--select", "group:bronze or group:silver")
    print(f"Bronze and Silver built from the landed files in {time.monotonic() - started:.0f}s")
    if not with_gold:
        run_tool(home, venv_tool("dagster"), "sensor", "stop", "-w", WORKSPACE, dbt_models_automation.name)


def produce_with_daemon(home: Path, storage: LakehouseStorage, bootstrap: str, rate: float, seconds: float):
    """Publish at `rate` while the daemon runs the sensors; return the producer's report once Bronze and
    Silver have caught up."""
    daemon = subprocess.Popen(
        [venv_tool("dagster-daemon"), "run", "-w", WORKSPACE],
        cwd=home,
        env=environment(home),
        stdout=(home / "daemon.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        instance = dg.DagsterInstance.get()
        wait_for_first_tick(instance)
        print(f"daemon up; producing {rate:g} messages/s for {seconds:g}s")
        report = produce_events(bootstrap, rate=rate, seconds=seconds, batch=PRODUCER_BATCH)
        drained = wait_until_drained(instance, storage, bootstrap)
        print(
            f"{sum(report.delivered.values()):,} messages delivered; Bronze and Silver caught up {drained:.0f}s "
            "after the producer stopped"
        )
        return report
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(60)


def check_exactly_once(instance, data: Path, delivered) -> None:
    for feed in KAFKA_FEEDS:
        offsets = DeltaTable(str(data / "bronze" / feed.table)).to_pyarrow_table(columns=["partition", "offset"])
        pairs = set(zip(offsets["partition"].to_pylist(), offsets["offset"].to_pylist()))
        assert len(pairs) == offsets.num_rows == delivered[feed.topic], f"{feed.table}: not exactly once"
    keys = [instance.get_run_by_id(run_id).tags["dagster/run_key"] for run_id in kafka_run_ids(instance)]
    assert len(set(keys)) == len(keys), "two Kafka-sensor runs for the same records"
    print(f"Bronze holds every delivered record exactly once; {len(keys)} Kafka-sensor runs, no run key twice")


def print_latency(data: Path, silver_version_before: int) -> None:
    seconds = latencies(data, silver_version_before)
    p50, p95 = percentile(seconds, 0.5), percentile(seconds, 0.95)
    print(f"\nproduced -> visible in silver.clickstream_events, {len(seconds):,} events:")
    print(
        f"  p50 {p50:.1f}s   p95 {p95:.1f}s   max {seconds[-1]:.1f}s   "
        f"(target p50 <= {TARGET_P50_SECONDS}s: {'met' if p50 <= TARGET_P50_SECONDS else 'NOT met'})"
    )


def print_breakdown(instance) -> None:
    runs = run_breakdown(instance, {step_name(step) for step in SILVER_STEPS})
    print(f"\nwhere a Kafka-sensor run's time goes (median of {len(runs)} runs, seconds):")
    for part in dict.fromkeys(part for r in runs for part in r):
        print(f"  {part:<48} {statistics.median(r[part] for r in runs if part in r):6.1f}")


def print_throughput(home: Path, instance, bootstrap: str, backlog: int) -> None:
    steady = [row for run_id in kafka_run_ids(instance) for row in bronze_throughput(instance, run_id)]
    rows, seconds = sum(r for _, r, _ in steady), sum(s for _, _, s in steady)
    print(
        f"\nKafka -> Bronze, steady state: {rows:,} records in {seconds:.0f}s of Bronze steps "
        f"({rows / seconds:,.0f}/s; each run's first step includes its Spark JVM start)"
    )
    produced = produce_events(bootstrap, rate=backlog / 5, seconds=5, topics=[CLICKSTREAM], batch=PRODUCER_BATCH + 500)
    lakehouse(home, "materialize", "--select", "key:bronze/kafka_web_clickstream")
    latest = max(instance.get_run_records(), key=lambda r: r.create_timestamp).dagster_run.run_id
    [(_, drained, seconds)] = bronze_throughput(instance, latest)
    assert drained == produced.delivered[CLICKSTREAM]
    print(
        f"Kafka -> Bronze, backlog drain: {drained:,} clickstream records in {seconds:.1f}s "
        f"({drained / seconds:,.0f}/s; the step includes the run's Spark JVM start)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="messages per second over all topics")
    parser.add_argument("--seconds", type=float, default=240.0, help="how long the producer runs")
    parser.add_argument("--scale", type=int, default=2_000, help="clickstream events of the landed files")
    parser.add_argument("--backlog", type=int, default=100_000, help="messages for the backlog drain")
    parser.add_argument("--home", type=Path, help="the installation's folder (default: a new temporary one)")
    parser.add_argument("--with-gold", action="store_true", help="keep the Gold automation sensor running")
    args = parser.parse_args()
    home = (args.home or Path(tempfile.mkdtemp(prefix="lakehouse-bench-latency-"))).resolve()
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    os.environ.update(environment(home))
    os.chdir(home)  # dagster.yaml's storage folders are relative
    data, storage = home / "data", LakehouseStorage(root_uri=(home / "data").as_uri())

    prepare(home, args.scale, args.with_gold)
    silver_version_before = DeltaTable(str(data / "silver" / "clickstream_events")).version()
    broker = local_broker(home)
    bootstrap = broker.start()
    try:
        ensure_topics(bootstrap, TOPICS, DEFAULT_PARTITIONS)
        report = produce_with_daemon(home, storage, bootstrap, args.rate, args.seconds)
        instance = dg.DagsterInstance.get()
        check_exactly_once(instance, data, report.delivered)
        print_latency(data, silver_version_before)
        print_breakdown(instance)
        print_throughput(home, instance, bootstrap, args.backlog)
    finally:
        broker.stop()


if __name__ == "__main__":
    main()

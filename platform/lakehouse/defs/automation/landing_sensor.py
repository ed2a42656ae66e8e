"""The landing-zone sensor: a Bronze run for the file feeds that received files not ingested yet.

It sees every file Bronze ingestion lists (all but hidden ones), so a file the feed will refuse starts
a run too, which records why. Its cursor keeps, per feed, the newest modification time seen and the
files seen at that time, so a tick looks only at files that landed since. Those are checked against
the ingestion ledger (what Bronze has consumed or refused), so files ingested by a run started by
hand, or before the sensor was turned on, start nothing. Silver follows the Bronze run by its
automation condition.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import dagster as dg

from lakehouse.defs.automation.triggers import TRIGGER_TAG, has_unfinished_run, run_key
from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.lib.delta_tables import delta_dataset
from lakehouse.lib.ingest.landing import is_hidden
from lakehouse.lib.lanes import STREAM, lane
from lakehouse.lib.layers import bronze_key
from lakehouse.lib.storage import LakehouseStorage, is_local, local_path

SENSOR_NAME, TRIGGER = "landing_zone_new_files", "landing"


@dataclass(frozen=True)
class Landed:
    mtime_ns: int
    path: str


@dataclass
class FeedMark:
    """The newest files a feed had when last looked at."""

    mtime_ns: int = -1
    paths: list[str] = field(default_factory=list)

    def unseen(self, files: list[Landed]) -> list[Landed]:
        return [
            f for f in files if f.mtime_ns > self.mtime_ns or (f.mtime_ns == self.mtime_ns and f.path not in self.paths)
        ]

    def advanced(self, files: list[Landed]) -> "FeedMark":
        if not files:
            return self
        newest = max(max(f.mtime_ns for f in files), self.mtime_ns)
        at_newest = {f.path for f in files if f.mtime_ns == newest} | (
            set(self.paths) if newest == self.mtime_ns else set()
        )
        return FeedMark(newest, sorted(at_newest))


def landed_files(folder: Path) -> list[Landed]:
    """Files below `folder` but hidden ones (uploads in progress, markers), as Bronze ingestion lists them."""
    if not folder.is_dir():
        return []
    return [
        Landed(path.stat().st_mtime_ns, str(path))
        for path in folder.rglob("*")
        if path.is_file() and not is_hidden(path.relative_to(folder).as_posix())
    ]


def ingested_files(storage: LakehouseStorage) -> set[str]:
    """Local paths of the files the ingestion ledger holds, ingested or refused. The ledger records
    URIs (`file:/in/a%20b.json`), so they are decoded; older ledgers' raw paths decode to themselves."""
    ledger = local_path(storage.system_uri("ingest_ledger"))
    if not (ledger / "_delta_log").is_dir():
        return set()
    return {
        str(local_path(uri))
        for uri in delta_dataset(str(ledger)).to_table(columns=["source_file"])["source_file"].to_pylist()
    }


@dg.sensor(
    name=SENSOR_NAME,
    target=[bronze_key(feed.name) for feed in FILE_FEEDS],
    minimum_interval_seconds=30,
    # Harmless when nothing new landed: files already in the ledger start nothing.
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs the Bronze file feeds that received files the ingestion ledger does not hold yet.",
)
def landing_zone_new_files(context: dg.SensorEvaluationContext, storage: LakehouseStorage):
    if not is_local(storage.root_uri):
        return dg.SkipReason(
            f"Lists local landing zones only; {storage.root_uri} needs the store's event notifications."
        )
    marks = {name: FeedMark(**mark) for name, mark in json.loads(context.cursor or "{}").items()}
    unseen = {
        feed.name: marks.get(feed.name, FeedMark()).unseen(
            landed_files(local_path(storage.landing_uri(feed.landing_path)))
        )
        for feed in FILE_FEEDS
    }
    unseen = {name: files for name, files in unseen.items() if files}
    if not unseen:
        return dg.SkipReason("No file landed since the last tick.")
    if has_unfinished_run(context.instance, TRIGGER):
        return dg.SkipReason("A run of this sensor is queued or running; new files wait for the next.")
    ingested = ingested_files(storage)
    new = {name: sorted(f.path for f in files if f.path not in ingested) for name, files in unseen.items()}
    new = {name: paths for name, paths in new.items() if paths}
    cursor = json.dumps(
        {
            name: asdict(marks.get(name, FeedMark()).advanced(unseen.get(name, [])))
            for name in sorted(set(marks) | set(unseen))
        }
    )
    if not new:
        return dg.SensorResult(skip_reason="The files that landed are already ingested.", cursor=cursor)
    context.log.info(f"New files: { {name: len(paths) for name, paths in new.items()} }")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key(TRIGGER, json.dumps(new, sort_keys=True)),
                asset_selection=[bronze_key(name) for name in sorted(new)],
                tags={**lane(STREAM), TRIGGER_TAG: TRIGGER, "lakehouse/new_files": str(sum(map(len, new.values())))},
            )
        ],
        cursor=cursor,
    )

"""What a Kafka-to-Bronze stream has committed, read from its Structured Streaming checkpoint without
Spark, so a sensor can compare it with the topic's end offsets every few seconds.

A checkpoint logs each micro-batch's end offsets in `offsets/<batch>` before writing the batch, and
marks it done in `commits/<batch>`; the offsets of the last committed batch are what Bronze holds.
"""

import json

from lakehouse.lib.storage import filesystem_for


def committed_kafka_offsets(checkpoint_uri: str) -> dict[str, dict[int, int]]:
    """topic -> partition -> next offset to read, as of the last committed micro-batch ({} before any)."""
    fs, root = filesystem_for(checkpoint_uri)
    commits = _batch_ids(fs, f"{root}/commits")
    if not commits:
        return {}
    # "v1", then the batch's metadata, then one line per source: {"topic": {"partition": offset}}.
    _, _, *sources = fs.cat_file(f"{root}/offsets/{max(commits)}").decode().splitlines()
    offsets: dict[str, dict[int, int]] = {}
    for source in sources:
        for topic, by_partition in json.loads(source).items():
            offsets[topic] = {int(p): offset for p, offset in sorted(by_partition.items(), key=lambda kv: int(kv[0]))}
    return offsets


def _batch_ids(fs, folder: str) -> list[int]:
    if not fs.exists(folder):
        return []
    names = (path.rsplit("/", 1)[-1] for path in fs.ls(folder, detail=False))
    return [int(name) for name in names if name.isdigit()]  # skips the `.N.crc` companions

"""Reading a Structured Streaming checkpoint's committed Kafka offsets without Spark."""

from lakehouse.lib.ingest.stream_checkpoint import committed_kafka_offsets

METADATA = '{"batchWatermarkMs":0,"batchTimestampMs":1767572042004,"conf":{}}'


def write_batch(checkpoint, batch: int, offsets: str, committed: bool) -> None:
    (checkpoint / "offsets").mkdir(parents=True, exist_ok=True)
    (checkpoint / "commits").mkdir(parents=True, exist_ok=True)
    (checkpoint / "offsets" / str(batch)).write_text(f"v1\n{METADATA}\n{offsets}")
    (checkpoint / "offsets" / f".{batch}.crc").write_bytes(b"\x00")
    if committed:
        (checkpoint / "commits" / str(batch)).write_text('v1\n{"nextBatchWatermarkMs":0}')


def test_the_offsets_of_the_last_committed_batch_are_what_bronze_holds(tmp_path):
    checkpoint = tmp_path / "checkpoint"
    write_batch(checkpoint, 2, '{"web.clickstream":{"1":4,"0":7}}', committed=True)
    write_batch(checkpoint, 10, '{"web.clickstream":{"1":40,"0":70,"2":3}}', committed=True)  # after 2, not before
    # Planned, not committed (a run killed mid-batch): Bronze does not hold it.
    write_batch(checkpoint, 11, '{"web.clickstream":{"1":41,"0":75,"2":3}}', committed=False)
    assert committed_kafka_offsets(checkpoint.as_uri()) == {"web.clickstream": {0: 70, 1: 40, 2: 3}}


def test_before_any_commit_nothing_is_consumed(tmp_path):
    assert committed_kafka_offsets((tmp_path / "none").as_uri()) == {}
    write_batch(tmp_path / "planned", 0, '{"t":{"0":5}}', committed=False)
    assert committed_kafka_offsets((tmp_path / "planned").as_uri()) == {}

"""Run lanes: the `lakehouse/lane` tag says which queue a run waits in. A deployment's instance
(deploy/dagster.yaml) limits each lane on its own, so a long Gold build never holds up a stream run,
and every step that writes tables claims the pool named after it, so two runs never write one table at once."""

LANE_TAG = "lakehouse/lane"
STREAM = "stream"  # Bronze from Kafka topics and landed files, with the Silver tables they feed
SILVER = "silver"  # Silver following its sources (automation, the event-tables sensor)
GOLD = "gold"  # the dbt models
MAINTENANCE = "maintenance"  # compaction and VACUUM of the whole lake


def lane(name: str) -> dict[str, str]:
    """The run tags of a run in lane `name`."""
    return {LANE_TAG: name}

"""The whole code location as one snapshot: every asset's key, dependencies, group, owners, kinds, tags,
automation, partitions, checks and concurrency pool, every job's run tags. A change to any of them fails
here until the snapshot is rewritten on purpose (`pytest platform_tests/test_definitions_snapshot.py
--snapshot-update`) and reviewed."""

import dagster as dg

from lakehouse.definitions import defs


def _spec(graph, key: dg.AssetKey) -> dict:
    node = graph.get(key)
    condition = node.automation_condition
    return {
        "deps": sorted(k.to_user_string() for k in node.parent_keys),
        "group": node.group_name,
        "owners": sorted(node.owners),
        "kinds": sorted(node.kinds),
        "tags": dict(sorted((k, v) for k, v in node.tags.items() if not k.startswith("dagster/kind/"))),
        "automation": condition.get_label() or type(condition).__name__ if condition else None,
        "partitions": type(node.partitions_def).__name__ if node.partitions_def else None,
        "freshness": type(node.freshness_policy).__name__ if node.freshness_policy else None,
        "pools": sorted(node.pools),
        "checks": sorted(
            f"{check.name}{' (blocking)' if graph.get(check).blocking else ''}" for check in node.check_keys
        ),
    }


def test_every_asset_spec_and_check_is_as_in_the_snapshot(snapshot):
    graph = defs().resolve_asset_graph()
    assets = {key.to_user_string(): _spec(graph, key) for key in sorted(graph.get_all_asset_keys())}
    assert assets == snapshot


def test_every_job_schedule_and_sensor_is_as_in_the_snapshot(snapshot):
    definitions = defs()
    automation = {
        "jobs": sorted(f"{job.name} {dict(job.tags)}" for job in definitions.jobs or []),
        "schedules": sorted(
            f"{s.name} {s.cron_schedule} {s.default_status.value}" for s in definitions.schedules or []
        ),
        "sensors": sorted(f"{s.name} {s.default_status.value}" for s in definitions.sensors or []),
        "resources": sorted(definitions.resources or {}),
    }
    assert automation == snapshot

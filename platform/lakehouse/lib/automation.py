"""How each layer follows the one below without anyone pressing a button, and how fresh it must be.

Bronze is started by sensors (new Kafka records, new landing files). Silver follows eagerly: a run
as soon as one of its sources changed. Gold's dbt marts are heavier and follow on a cron: at most
once per tick, when one of their inputs changed since the tick.
"""

from datetime import timedelta

import dagster as dg

from lakehouse.lib.partitions import DAY_PARTITIONED_TAG

# A Silver table also fed by Kafka reads the files alone until a broker delivered something, so a
# Kafka Bronze table never materialized must not hold it back.
STREAM_SOURCES = dg.AssetSelection.kind("kafka")
# Nor a day-partitioned table's days without events.
DAY_PARTITIONED = dg.AssetSelection.tag(*DAY_PARTITIONED_TAG)
GOLD_REFRESH_CRON = "*/15 * * * *"


def silver_automation() -> dg.AutomationCondition:
    """Eager, ignoring missing stream sources and missing days. A run that already updated a table
    together with its source (the Kafka sensor's Bronze-and-Silver runs) does not trigger it again."""
    return dg.AutomationCondition.eager().replace(
        "any_deps_missing", dg.AutomationCondition.any_deps_missing().ignore(STREAM_SOURCES | DAY_PARTITIONED)
    )


def gold_automation(cron: str = GOLD_REFRESH_CRON) -> dg.AutomationCondition:
    """`on_cron`, but waiting for any input, not all, to change since the tick: marts join tables
    updated every minute with tables updated once a day, and must not wait for the slowest."""
    any_dep_updated_since_tick = dg.AutomationCondition.any_deps_match(
        dg.AutomationCondition.newly_updated().since(dg.AutomationCondition.cron_tick_passed(cron))
        | dg.AutomationCondition.will_be_requested()
    ).with_label(f"any_deps_updated_since_cron({cron})")
    return (
        dg.AutomationCondition.on_cron(cron).replace(
            f"all_deps_updated_since_cron({cron}, UTC)", any_dep_updated_since_tick
        )
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    ).with_label(f"gold_on_cron({cron})")


# What users are promised: tables fed by streams lag the sources by a minute or so; a few minutes
# means the pipeline is struggling, half an hour that it stopped.
STREAMED_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(minutes=30), warn_window=timedelta(minutes=5))
# Gold follows on its cron: two missed ticks warn, a missed hour fails.
GOLD_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=1), warn_window=timedelta(minutes=30))

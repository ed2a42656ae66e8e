"""The automation conditions on a small graph shaped like ours (a file feed and a Kafka feed into one
Silver table into one Gold model), evaluated as the automation sensors do, run by run."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from lakehouse.lib.automation import gold_automation, silver_automation

CRON = "*/15 * * * *"


@dg.asset(kinds={"kafka"})
def stream():
    pass


@dg.asset
def files():
    pass


@dg.asset(deps=[files, stream], automation_condition=silver_automation())
def silver():
    pass


@dg.asset
def daily():
    pass


@dg.asset(deps=[silver, daily], automation_condition=gold_automation(CRON))
def gold():
    pass


ASSETS = [stream, files, silver, daily, gold]


class Automation:
    def __init__(self, instance: dg.DagsterInstance):
        self.instance, self.cursor = instance, None

    def requested(self, at: datetime | None = None) -> set[str]:
        result = dg.evaluate_automation_conditions(ASSETS, self.instance, cursor=self.cursor, evaluation_time=at)
        self.cursor = result.cursor
        return {a.key.to_user_string() for a in ASSETS if result.get_num_requested(a.key)}

    def materialize(self, *assets) -> None:
        assert dg.materialize(list(assets), instance=self.instance, selection=list(assets)).success


def test_silver_follows_any_source_eagerly_and_is_not_held_back_by_a_stream_never_delivered():
    with dg.instance_for_test() as instance:
        automation = Automation(instance)
        assert automation.requested() == set()
        automation.materialize(files)  # no Kafka broker has ever delivered: the stream is missing
        assert automation.requested() == {"silver"}
        automation.materialize(silver)
        assert automation.requested() == set()
        automation.materialize(stream)
        assert automation.requested() == {"silver"}


def test_a_run_that_already_updated_silver_with_its_source_does_not_trigger_it_again():
    with dg.instance_for_test() as instance:
        automation = Automation(instance)
        automation.requested()
        automation.materialize(files, silver)
        automation.materialize(stream, silver)  # the Kafka sensor's Bronze-and-Silver run
        assert automation.requested() == set()


def test_gold_refreshes_once_per_cron_tick_at_the_first_change_of_any_input_after_it():
    # Runs are recorded now, so the tick the evaluations are placed around is the last one before now
    # (a run must not look older than the tick it follows).
    now = datetime.now(UTC)
    tick = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    second = timedelta(seconds=1)
    with dg.instance_for_test() as instance:
        automation = Automation(instance)
        automation.materialize(stream, files, silver, daily, gold)
        assert automation.requested(tick - 120 * second) == set()
        automation.materialize(silver)
        assert automation.requested(tick - 60 * second) == set()  # no tick since Gold's last run
        assert automation.requested(tick + second) == set()  # a tick, but no input changed after it
        # One changed input is enough: the daily one need not change.
        automation.materialize(silver)
        assert automation.requested(tick + 60 * second) == {"gold"}
        automation.materialize(gold, silver)
        assert automation.requested(tick + 120 * second) == set()  # once per tick
        assert automation.requested(tick + 901 * second) == set()  # the next tick, nothing changed since
        automation.materialize(daily)
        assert automation.requested(tick + 960 * second) == {"gold"}

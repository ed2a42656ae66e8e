"""Which Silver tables one step builds: tables derived alike, and tables that name the same step."""

import dagster as dg
import pytest

from lakehouse.defs.silver import contracts as c
from lakehouse.lib.partitions import daily_event_partitions
from lakehouse.lib.silver import SilverTable, silver_steps


def derive_products(products):
    return products


def derive_stores(stores):
    return stores


def silver_table(name: str, changes=derive_products, **fields) -> SilverTable:
    return SilverTable(
        name=name,
        description=name,
        contract=c.Product,
        changes=changes,
        sources={changes.__name__.removeprefix("derive_"): dg.AssetKey(["bronze", name])},
        **fields,
    )


def names(steps):
    return {step: [t.name for t in tables] for step, tables in steps.items()}


def test_tables_naming_a_step_share_it_and_the_others_have_their_own():
    a = silver_table("a", step="small")
    b = silver_table("b", changes=derive_stores, step="small")
    c_ = silver_table("c", changes=derive_stores)
    assert names(silver_steps([a, c_, b])) == {"small": ["a", "b"], "c": ["c"]}


def test_tables_derived_alike_are_built_by_one_step_and_must_not_name_two():
    current = silver_table("current")
    history = SilverTable(**{**vars(current), "name": "history"})
    assert names(silver_steps([current, history])) == {"current": ["current", "history"]}
    with pytest.raises(ValueError, match="derived alike"):
        silver_steps([current, SilverTable(**{**vars(history), "step": "other"})])


def test_the_tables_of_a_step_are_partitioned_alike():
    days = silver_table("days", step="mixed", partition_by=("event_date",), partitions_def=daily_event_partitions())
    with pytest.raises(ValueError, match="partitioned alike"):
        silver_steps([days, silver_table("whole", changes=derive_stores, step="mixed")])


def test_tables_derived_alike_must_have_contracts_that_judge_their_changes_alike():
    current = silver_table("current")
    assert names(silver_steps([current, SilverTable(**{**vars(current), "name": "copy"})])) == {
        "current": ["current", "copy"]
    }
    stricter = SilverTable(**{**vars(current), "name": "stricter", "contract": c.OrderLine})
    with pytest.raises(ValueError, match="same rules"):
        silver_steps([current, stricter])

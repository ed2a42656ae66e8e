"""Quarantine tables: rows held back by `quarantine` expectations, one Delta table per source table.

A quarantined row keeps its original columns plus `_rule` (the names of every rule it failed),
`_reason` and `_quarantined_at`, so it can be inspected, fixed upstream and replayed.
"""

from __future__ import annotations

import dagster as dg

from lakehouse.lib.quality.expectations import Evaluation
from lakehouse.lib.storage import LakehouseStorage, join_uri


def quarantine_uri(storage: LakehouseStorage, asset_key: dg.AssetKey) -> str:
    """`<root>/quarantine/<layer>/<table>`: the full asset key, so equal table names in two layers never mix."""
    return join_uri(storage.root_uri, "quarantine", *asset_key.path)


def append_quarantine(evaluation: Evaluation, uri: str) -> None:
    """Append the evaluation's quarantined rows; no commit when there are none."""
    if evaluation.rows_quarantined:
        # The contract may gain nullable columns; older quarantined rows keep theirs as NULL.
        evaluation.quarantined.write.format("delta").mode("append").option("mergeSchema", "true").save(uri)

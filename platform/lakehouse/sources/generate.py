"""Generate the landing zone of the sample retail company's source systems (`lakehouse generate` runs it)."""

import json
from pathlib import Path

from lakehouse.sources.catalog import write_products, write_stores, write_suppliers
from lakehouse.sources.context import BatchContext
from lakehouse.sources.crm import customer_history, write_customer_changes, write_customer_extracts
from lakehouse.sources.documents import write_documents
from lakehouse.sources.sales import write_orders
from lakehouse.sources.summary import GenerationSummary
from lakehouse.sources.web import write_clickstream

MIN_SCALE = 1_000
# One small record per generated batch, next to the feeds: a later batch replays the source systems' history
# and needs to know how large each earlier batch was.
BATCH_RECORDS = "_generation"


def _batch_record(landing: Path, batch: int) -> Path:
    return landing / BATCH_RECORDS / f"batch_{batch:04d}.json"


def _batch_scales(landing: Path, seed: int, batch: int, scale: int) -> tuple[int, ...]:
    """The scale of batches 0..batch; an earlier batch without a record is taken to be this batch's scale."""
    scales = []
    for earlier in range(batch):
        record = _batch_record(landing, earlier)
        known = json.loads(record.read_text()) if record.exists() else {}
        scales.append(known["scale"] if known.get("seed") == seed else scale)
    return (*scales, scale)


def generate_landing(
    root: str | Path, scale: int, seed: int = 7, bad_fraction: float = 0.01, batch: int = 0
) -> GenerationSummary:
    """Write batch `batch` of every feed under <root>/landing/<source>/<feed>/ and report what was written.

    scale is the number of clickstream events; the other volumes follow from it. The same arguments always
    produce byte-identical files, and a later batch only adds files with later data. The customer base and the
    catalogue keep the size the first batch gave them, so a small later batch is a small day for the same company.
    """
    if scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE}, got {scale}")
    if batch < 0 or not 0 <= bad_fraction < 0.5:
        raise ValueError(f"need batch >= 0 and 0 <= bad_fraction < 0.5, got batch={batch}, {bad_fraction=}")
    summary = GenerationSummary(str(root), scale, seed, bad_fraction, batch)
    landing = Path(root) / "landing"
    scales = _batch_scales(landing, seed, batch, scale)
    ctx = BatchContext(landing, seed, batch, bad_fraction, scales, summary)

    write_suppliers(ctx)
    stores = write_stores(ctx)
    catalog = write_products(ctx)
    customers, changes = customer_history(ctx)
    write_customer_extracts(ctx, customers, changes)
    write_customer_changes(ctx, customers, changes)
    order_ids = write_orders(ctx, customers.index.to_numpy(), stores, catalog.products)
    write_clickstream(ctx, customers.index.to_numpy(), catalog.products["product_id"].to_numpy())
    write_documents(ctx, order_ids, catalog.new_product_ids)
    record = _batch_record(landing, batch)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"seed": seed, "batch": batch, "scale": scale}))
    return summary

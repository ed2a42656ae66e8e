"""Generate the landing zone of the sample retail company's source systems (`lakehouse generate` runs it)."""

from pathlib import Path

from lakehouse.sources.catalog import write_products, write_stores, write_suppliers
from lakehouse.sources.context import BatchContext, Volumes
from lakehouse.sources.crm import customer_history, write_customer_changes, write_customer_extracts
from lakehouse.sources.documents import write_documents
from lakehouse.sources.sales import write_orders
from lakehouse.sources.summary import GenerationSummary
from lakehouse.sources.web import write_clickstream

MIN_SCALE = 1_000


def generate_landing(
    root: str | Path, scale: int, seed: int = 7, bad_fraction: float = 0.01, batch: int = 0
) -> GenerationSummary:
    """Write batch `batch` of every feed under <root>/landing/<source>/<feed>/ and report what was written.

    scale is the number of clickstream events; the other volumes follow from it. The same arguments always
    produce byte-identical files, and a later batch only adds files with later data.
    """
    if scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE}, got {scale}")
    if batch < 0 or not 0 <= bad_fraction < 0.5:
        raise ValueError(f"need batch >= 0 and 0 <= bad_fraction < 0.5, got batch={batch}, {bad_fraction=}")
    summary = GenerationSummary(str(root), scale, seed, bad_fraction, batch)
    ctx = BatchContext(Path(root) / "landing", seed, batch, bad_fraction, Volumes.from_scale(scale), summary)

    write_suppliers(ctx)
    stores = write_stores(ctx)
    catalog = write_products(ctx)
    customers, changes = customer_history(ctx)
    write_customer_extracts(ctx, customers, changes)
    write_customer_changes(ctx, customers, changes)
    order_ids = write_orders(ctx, customers.index.to_numpy(), stores, catalog.products)
    write_clickstream(ctx, customers.index.to_numpy(), catalog.products["product_id"].to_numpy())
    write_documents(ctx, order_ids, catalog.new_product_ids)
    return summary


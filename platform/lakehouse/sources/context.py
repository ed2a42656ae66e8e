"""Volumes derived from the scale knob, and the per-batch context every feed generator receives."""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lakehouse.sources.randomness import random_stream
from lakehouse.sources.summary import GenerationSummary
from lakehouse.sources.timeline import Window, batch_window
from lakehouse.sources.writers import FeedFolder


def _customers(scale: int) -> int:
    return max(50, scale // 200)


def _products(scale: int) -> int:
    return max(30, scale // 2000)


@dataclass(frozen=True)
class Volumes:
    """How many records one batch holds; everything follows from the number of clickstream events.

    The customer base and the catalogue are the company's size, set by the first batch's scale; what happens
    in a window (events, orders, customer changes, new and repriced products) follows the batch's own scale,
    so a 1% batch after a large first one is 1% of the activity against the same customers.
    """

    events: int
    orders: int
    documents: int
    customer_changes: int
    new_products: int
    repriced_products: int
    customers: int
    products: int
    stores: int = 25
    suppliers: int = 12
    lines_per_order: float = 2.5

    @classmethod
    def of(cls, scale: int, first_scale: int) -> "Volumes":
        return cls(
            events=scale,
            orders=max(100, scale // 10),
            # Binary drops stay a handful of files however large the run is.
            documents=3 + int(4 * math.log10(max(scale, 1000) / 1000)),
            customer_changes=round(0.4 * _customers(scale)),
            new_products=max(1, _products(scale) // 50),
            repriced_products=max(1, _products(scale) // 10),
            customers=_customers(first_scale),
            products=_products(first_scale),
        )


@dataclass
class BatchContext:
    landing: Path | None  # None (and no summary) when records are built in memory, as for the event producer
    seed: int
    batch: int
    bad_fraction: float
    scales: tuple[int, ...]  # the scale of every batch up to and including this one
    summary: GenerationSummary | None

    @property
    def volumes(self) -> Volumes:
        return self.volumes_of(self.batch)

    def volumes_of(self, batch: int) -> Volumes:
        return Volumes.of(self.scales[batch], self.scales[0])

    @property
    def window(self) -> Window:
        return batch_window(self.batch)

    def rng(self, name: str, batch: int | None = None) -> np.random.Generator:
        return random_stream(self.seed, self.batch if batch is None else batch, name)

    def folder(self, name: str) -> FeedFolder:
        return FeedFolder(self.landing, name, self.summary.feed(name))

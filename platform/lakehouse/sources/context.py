"""Volumes derived from the scale knob, and the per-batch context every feed generator receives."""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lakehouse.sources.randomness import random_stream
from lakehouse.sources.summary import GenerationSummary
from lakehouse.sources.timeline import Window, batch_window
from lakehouse.sources.writers import FeedFolder


@dataclass(frozen=True)
class Volumes:
    """How many records one batch holds; everything follows from the number of clickstream events."""

    events: int
    customers: int
    products: int
    orders: int
    documents: int
    stores: int = 25
    suppliers: int = 12
    lines_per_order: float = 2.5
    customer_change_ratio: float = 0.4

    @classmethod
    def from_scale(cls, scale: int) -> "Volumes":
        return cls(
            events=scale,
            customers=max(50, scale // 200),
            products=max(30, scale // 2000),
            orders=max(100, scale // 10),
            # Binary drops stay a handful of files however large the run is.
            documents=3 + int(4 * math.log10(max(scale, 1000) / 1000)),
        )


@dataclass
class BatchContext:
    landing: Path | None  # None (and no summary) when records are built in memory, as for the event producer
    seed: int
    batch: int
    bad_fraction: float
    volumes: Volumes
    summary: GenerationSummary | None

    @property
    def window(self) -> Window:
        return batch_window(self.batch)

    def rng(self, name: str, batch: int | None = None) -> np.random.Generator:
        return random_stream(self.seed, self.batch if batch is None else batch, name)

    def folder(self, name: str) -> FeedFolder:
        return FeedFolder(self.landing, name, self.summary.feed(name))

"""The simulated calendar shared by every feed.

Each batch covers its own window of days after the previous one, so a later batch only ever adds later data.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
BATCH_DAYS = 3
# Log sequence numbers of different batches never overlap, so they keep increasing across batches.
LSN_PER_BATCH = 10**12


@dataclass(frozen=True)
class Window:
    start_ms: int
    end_ms: int

    @property
    def span_ms(self) -> int:
        return self.end_ms - self.start_ms

    def day_ends_ms(self) -> list[int]:
        return list(range(self.start_ms + DAY_MS, self.end_ms + 1, DAY_MS))


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def batch_window(batch: int) -> Window:
    start = epoch_ms(EPOCH) + batch * BATCH_DAYS * DAY_MS
    return Window(start, start + BATCH_DAYS * DAY_MS)


def day_of(ms: int) -> date:
    return (EPOCH + timedelta(milliseconds=ms - epoch_ms(EPOCH))).date()


def first_lsn(batch: int) -> int:
    return (batch + 1) * LSN_PER_BATCH

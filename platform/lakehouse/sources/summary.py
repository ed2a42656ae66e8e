"""What one generation run wrote, so consumers can prove rows in = rows out + rejected."""

from collections import Counter
from dataclasses import asdict, dataclass, field


@dataclass
class FeedSummary:
    """Counts for one feed folder.

    valid_records: well-formed records a reader gets (exact duplicates included).
    malformed: injected bad records by kind; lines or rows a reader sees but should reject or rescue, so
        rows read = valid_records + malformed_records.
    anomalies: well-formed but semantically tricky records (duplicates, out-of-order or unknown-key change events).
    corrupt_files: truncated deliveries. A truncated binary file cannot be read and its rows are in no count; a
        truncated JSON-lines file keeps its complete lines (valid) and its cut last line is malformed (truncated_line).
    schema_drift_files: readable files whose columns differ from the feed's usual schema.
    """

    files: int = 0
    valid_records: int = 0
    malformed: Counter = field(default_factory=Counter)
    anomalies: Counter = field(default_factory=Counter)
    empty_files: int = 0
    corrupt_files: int = 0
    schema_drift_files: int = 0
    bytes: int = 0

    @property
    def malformed_records(self) -> int:
        return sum(self.malformed.values())

    def add_records(self, valid: int, malformed: dict[str, int] | None = None) -> None:
        self.valid_records += valid
        self.malformed.update(malformed or {})

    def to_dict(self) -> dict:
        as_dict = asdict(self)
        as_dict["malformed"] = dict(sorted(self.malformed.items()))
        as_dict["anomalies"] = dict(sorted(self.anomalies.items()))
        return as_dict


@dataclass
class GenerationSummary:
    root: str
    scale: int
    seed: int
    bad_fraction: float
    batch: int
    feeds: dict[str, FeedSummary] = field(default_factory=dict)

    def feed(self, name: str) -> FeedSummary:
        return self.feeds.setdefault(name, FeedSummary())

    @property
    def total_bytes(self) -> int:
        return sum(feed.bytes for feed in self.feeds.values())

    @property
    def total_files(self) -> int:
        return sum(feed.files for feed in self.feeds.values())

    def to_dict(self) -> dict:
        return {
            "root": self.root,
            "scale": self.scale,
            "seed": self.seed,
            "bad_fraction": self.bad_fraction,
            "batch": self.batch,
            "total_files": self.total_files,
            "total_bytes": self.total_bytes,
            "feeds": {name: feed.to_dict() for name, feed in sorted(self.feeds.items())},
        }

    def __str__(self) -> str:
        header = (
            f"landing batch {self.batch} (scale={self.scale:,}, seed={self.seed}, bad_fraction={self.bad_fraction})"
            f" -> {self.root}: {self.total_files} files, {self.total_bytes / 1e6:,.1f} MB"
        )
        rows = [f"  {'feed':<24} {'files':>5} {'valid':>12} {'malformed':>9} {'empty':>5} {'corrupt':>7} {'drift':>5}"]
        for name, feed in sorted(self.feeds.items()):
            rows.append(
                f"  {name:<24} {feed.files:>5} {feed.valid_records:>12,} {feed.malformed_records:>9,}"
                f" {feed.empty_files:>5} {feed.corrupt_files:>7} {feed.schema_drift_files:>5}"
            )
        return "\n".join([header, *rows])

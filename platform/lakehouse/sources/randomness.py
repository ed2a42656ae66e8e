"""Seeded random streams and vectorised random identifiers."""

import zlib

import numpy as np
import pyarrow as pa

_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UUID_DASHES = (8, 13, 18, 23)
_UUID_HEX_COLUMNS = [i for i in range(36) if i not in _UUID_DASHES]


def random_stream(seed: int, batch: int, name: str) -> np.random.Generator:
    """An independent generator per (seed, batch, name): adding a feed or a draw never shifts the others."""
    return np.random.default_rng([seed, batch, zlib.crc32(name.encode())])


def fixed_width_strings(chars: np.ndarray) -> pa.Array:
    """Turn an (n, width) uint8 matrix of ASCII codes into a string array without a Python loop."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    return pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars))]
    ).cast(pa.string())


def uuid_strings(rng: np.random.Generator, n: int) -> pa.Array:
    """Random version-4 UUIDs in their canonical 36-character text form."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    nibbles = np.stack([raw >> 4, raw & 0x0F], axis=2).reshape(n, 32)
    chars = np.full((n, 36), ord("-"), dtype=np.uint8)
    chars[:, _UUID_HEX_COLUMNS] = _HEX_DIGITS[nibbles]
    return fixed_width_strings(chars)


def popularity(n: int, skew: float = 0.9) -> np.ndarray:
    """Zipf-like probabilities: a few items are picked far more often than the long tail."""
    weights = 1.0 / np.arange(1, n + 1) ** skew
    return weights / weights.sum()

"""Vectorised helpers for ragged groups, such as sessions of events or orders with several change events."""

import numpy as np


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of counts[i] items: the group of every item and its 0-based step within the group."""
    group = np.repeat(np.arange(len(counts)), counts)
    step = np.arange(len(group)) - np.repeat(np.cumsum(counts) - counts, counts)
    return group, step


def cumsum_within_groups(values: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Running totals that restart at the first item of every group (step as returned by expand)."""
    running = np.cumsum(values)
    return running - (running - values)[np.arange(len(values)) - step]

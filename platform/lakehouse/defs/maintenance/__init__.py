"""Upkeep of the lake's Delta tables: compaction and deletion of files no version needs."""

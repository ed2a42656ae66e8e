"""Data quality: table contracts, row-level expectations, quarantine, asset checks and the table event log."""

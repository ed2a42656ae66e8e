"""Bronze: every landing feed as received, plus ingestion metadata; exactly-once."""

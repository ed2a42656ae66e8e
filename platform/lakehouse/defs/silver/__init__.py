"""Silver: typed, standardised, deduplicated and validated tables built from Bronze only."""

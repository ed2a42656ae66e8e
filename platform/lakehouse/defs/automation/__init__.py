"""Automation: sensors that start Bronze runs when data arrives, the declarative automation that lets
Silver and Gold follow, and the record of failed runs."""

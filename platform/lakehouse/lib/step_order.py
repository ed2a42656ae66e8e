"""The order in which a run takes its ready steps: Dagster's `dagster/priority` op tag, higher first.

A run executes one step at a time (one Spark session per run). In the plan's own order a Kafka run
would ingest every topic before any Silver table moved, and validate each table before the next
one is built; readers would wait for all of it. Instead a run goes depth first: as soon as a
Bronze table is in, the Silver tables it feeds are built; the event stream, which carries most
records, is ingested first; checks come once the tables readers wait for are visible. Blocking
checks still gate what depends on them.
"""

PRIORITY_TAG = "dagster/priority"

SERVING_TABLE = {PRIORITY_TAG: "2"}  # a current-state Silver table, right after its Bronze
EVENT_STREAM = {PRIORITY_TAG: "1"}  # the first Bronze step of a run
DEFERRED = {PRIORITY_TAG: "-1"}  # checks: after the tables above

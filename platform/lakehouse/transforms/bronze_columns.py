"""The columns ingestion adds to every Bronze table beside the record as received: named once here, for
the ingestion that writes them and the transformations that read them."""

RESCUED = "_rescued_data"  # what did not fit the declared types, as JSON: column -> value as received
SOURCE_FILE = "_source_file"  # the landing file's URI, as Spark's `_metadata.file_path` gives it
INGESTED_AT = "_ingested_at"  # when the run ingested the row
BATCH_ID = "_batch_id"  # the ingestion batch (file feeds) or run (streams, APIs) that took it

"""PostgreSQL: the local server that stands in for a deployment's managed database."""

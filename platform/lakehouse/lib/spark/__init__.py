"""Spark compute: the session configuration per target and the JVM jars it needs."""

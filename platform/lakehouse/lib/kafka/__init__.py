"""Kafka: the local single-node broker, and the cluster resource the streaming assets read from."""

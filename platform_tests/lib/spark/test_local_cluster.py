"""The local Spark standalone cluster: a master and a worker in JVMs of their own, on 127.0.0.1, that a
second start finds running and a stop from anywhere ends."""

import psutil
import pytest

from lakehouse.lib.spark.cluster import LocalSparkCluster

pytestmark = pytest.mark.integration


def test_the_cluster_starts_once_answers_on_loopback_and_stops(tmp_path):
    cluster = LocalSparkCluster(tmp_path / "cluster", worker_cores=1, worker_memory="1g")
    try:
        url = cluster.start()
        status = cluster.status()
        assert status["status"] == "ALIVE" and (status["cores"], status["memory"]) == (1, 1024)
        assert url.startswith("spark://127.0.0.1:") and len(status["workers"]) == 1
        assert LocalSparkCluster(tmp_path / "cluster").start() == url  # found running, not started twice
        listening = {c.laddr.ip for pid in cluster.pids().values() for c in psutil.Process(pid).net_connections()
                     if c.status == psutil.CONN_LISTEN}  # fmt: skip
        assert listening and listening <= {"127.0.0.1", "::ffff:127.0.0.1"}
        daemons = cluster.pids()
    finally:
        assert LocalSparkCluster(tmp_path / "cluster").stop()
    assert cluster.pids() == {} and cluster.status() == {"status": "STOPPED"}
    assert not any(
        psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in daemons.values()
    )

"""A run whose one step is a long Spark application on a cluster, for the termination test:
`python long_run.py <master URL> <work dir>`; it prints nothing, the test interrupts it."""

import sys
from pathlib import Path

import dagster as dg
from steps_for_tests import RUN_LONG

from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.spark_submit import SparkSubmitCompute
from lakehouse.lib.spark.session import local_spark_config
from lakehouse.lib.storage import LakehouseStorage


@dg.asset(key=dg.AssetKey(["test", "long"]))
def long(context: dg.AssetExecutionContext, compute: SparkCompute, storage: LakehouseStorage):
    yield from compute.run(context, RUN_LONG, storage=storage)


if __name__ == "__main__":
    master, work = sys.argv[1], Path(sys.argv[2])
    conf = {k: v for k, v in local_spark_config(work / "spark").items() if k != "spark.master"}
    compute = SparkSubmitCompute(master=master, spark_conf={**conf, "spark.executor.memory": "1g"},
                                 package_dir=str(work / "pkg"))  # fmt: skip
    dg.materialize([long], resources={"compute": compute, "storage": LakehouseStorage(root_uri=work.as_uri())})

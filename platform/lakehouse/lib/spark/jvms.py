"""Find the Spark JVMs below a process: how the one-JVM-per-run promise is measured."""

import psutil


def is_spark_jvm(cmdline: list[str]) -> bool:
    """A Spark driver JVM, not spark-submit's short-lived `launcher.Main` JVM."""
    return (
        bool(cmdline)
        and cmdline[0].endswith("java")
        and "org.apache.spark.deploy.SparkSubmit" in cmdline
        and "org.apache.spark.launcher.Main" not in cmdline
    )


def spark_jvm_pids(process: psutil.Process) -> set[int]:
    pids = set()
    for child in process.children(recursive=True):
        try:
            # A JVM starting a Python worker shows, between fork and exec, a child with its own
            # command line; the launcher JVM lingers as a zombie whose command line cannot be read.
            if is_spark_jvm(child.cmdline()) and not is_spark_jvm(child.parent().cmdline()):
                pids.add(child.pid)
        except psutil.Error:
            continue
    return pids

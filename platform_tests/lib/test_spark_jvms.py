"""Counting Spark JVMs: the driver counts, spark-submit's launcher JVM does not."""

from lakehouse.lib.spark.jvms import is_spark_jvm

JAVA = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"


def test_driver_jvm_counts_and_launcher_jvm_does_not():
    driver = [JAVA, "-cp", "jars/*", "-Xmx4g", "org.apache.spark.deploy.SparkSubmit", "pyspark-shell"]
    launcher = [
        JAVA,
        "-Xmx128m",
        "-cp",
        "jars/*",
        "org.apache.spark.launcher.Main",
        "org.apache.spark.deploy.SparkSubmit",
    ]
    assert is_spark_jvm(driver)
    assert not is_spark_jvm(launcher)
    assert not is_spark_jvm(["python", "-m", "pyspark.daemon"])
    assert not is_spark_jvm([])

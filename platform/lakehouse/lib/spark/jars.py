"""The Spark jars that the pyspark wheel lacks (Delta, Avro, Kafka), resolved from Maven Central.

Spark's own `spark.jars.packages` resolver (Ivy) is avoided on purpose: see `lakehouse.lib.maven`.
The pom next to this module pins every version.
"""

from __future__ import annotations

from pathlib import Path

import pyspark

from lakehouse.lib.maven import MavenClasspath, artifact_name


def _pyspark_artifacts() -> set[str]:
    pyspark_jars = Path(pyspark.__file__).parent / "jars"
    return {artifact_name(p.name) for p in pyspark_jars.glob("*.jar")}


SPARK_JARS = MavenClasspath(Path(__file__).with_name("pom.xml"), "Spark (Delta/Avro/Kafka)", _pyspark_artifacts)


def resolve_jars() -> list[Path]:
    """Return the extra jars for the local Spark session, resolving them with Maven on first use."""
    return SPARK_JARS.resolve()

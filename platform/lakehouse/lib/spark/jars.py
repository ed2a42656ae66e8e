"""Resolve the Spark jars that the pyspark wheel lacks (Delta, Avro, Kafka) from Maven Central.

Spark's own `spark.jars.packages` resolver (Ivy) is avoided on purpose: Maven reaches the same
repositories through the machine's Maven settings (mirrors, proxies), caches in ~/.m2, and the pom
next to this module pins every version. Resolution runs once per pom version; later sessions reuse
the folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pyspark

POM = Path(__file__).with_name("pom.xml")
_VERSION_SUFFIX_DIGITS = set("0123456789.-")


class JarResolutionError(RuntimeError):
    pass


def jar_cache_dir() -> Path:
    """Folder holding the resolved jars, keyed by the pom's content so a version bump re-resolves."""
    base = Path(os.environ.get("LAKEHOUSE_JARS_DIR", Path.home() / ".cache" / "lakehouse" / "jars"))
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:12]
    return base / digest


def artifact_name(jar_file: str) -> str:
    """'jackson-core-2.13.5.jar' -> 'jackson-core' (strip the version suffix)."""
    stem = jar_file.removesuffix(".jar")
    parts = stem.split("-")
    while len(parts) > 1 and set(parts[-1]) <= _VERSION_SUFFIX_DIGITS:
        parts.pop()
    return "-".join(parts)


def _pyspark_artifacts() -> set[str]:
    pyspark_jars = Path(pyspark.__file__).parent / "jars"
    return {artifact_name(p.name) for p in pyspark_jars.glob("*.jar")}


def resolve_jars() -> list[Path]:
    """Return the extra jars for the local Spark session, resolving them with Maven on first use."""
    target = jar_cache_dir()
    marker = target / ".complete"
    if not marker.exists():
        _resolve_into(target)
    return sorted(target.glob("*.jar"))


def _resolve_into(target: Path) -> None:
    if shutil.which("mvn") is None:
        raise JarResolutionError("Maven (mvn) is required once to fetch the Delta/Avro/Kafka jars for Spark.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    cmd = [
        "mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
        f"-DoutputDirectory={staging}", "-DincludeScope=runtime",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise JarResolutionError(f"Maven could not resolve the Spark jars from {POM}:\n{tail}")
    # Classes that pyspark already ships must come from one jar only, or the JVM picks one at random.
    shipped = _pyspark_artifacts()
    for jar in staging.glob("*.jar"):
        if artifact_name(jar.name) in shipped:
            jar.unlink()
    (staging / ".complete").touch()
    # A rename is atomic, so two processes resolving at once never see a half-filled folder.
    try:
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)

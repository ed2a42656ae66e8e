"""Resolve a pom's runtime dependencies from Maven Central into a cached folder of jars.

Each JVM the project starts (the Spark driver, the local Kafka broker) has its own pom, so their
classpaths never mix. Maven is used rather than an embedded resolver: it reaches the repositories
through the machine's Maven settings (mirrors, proxies) and caches in ~/.m2. Resolution runs once
per pom content; later runs, offline ones included, reuse the folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_VERSION_SUFFIX_DIGITS = set("0123456789.-")


class JarResolutionError(RuntimeError):
    pass


def artifact_name(jar_file: str) -> str:
    """'jackson-core-2.13.5.jar' -> 'jackson-core' (strip the version suffix)."""
    stem = jar_file.removesuffix(".jar")
    parts = stem.split("-")
    while len(parts) > 1 and set(parts[-1]) <= _VERSION_SUFFIX_DIGITS:
        parts.pop()
    return "-".join(parts)


def _nothing_shipped() -> set[str]:
    return set()


@dataclass(frozen=True)
class MavenClasspath:
    """The jars of one pom: `purpose` names them in messages; artifacts that `already_shipped`
    returns are dropped after resolution (the host already has its own copy of those classes)."""

    pom: Path
    purpose: str
    already_shipped: Callable[[], set[str]] = _nothing_shipped

    def cache_dir(self) -> Path:
        """Folder holding the resolved jars, keyed by the pom's content so a version bump re-resolves."""
        base = Path(os.environ.get("LAKEHOUSE_JARS_DIR", Path.home() / ".cache" / "lakehouse" / "jars"))
        return base / hashlib.sha256(self.pom.read_bytes()).hexdigest()[:12]

    def is_resolved(self) -> bool:
        return (self.cache_dir() / ".complete").exists()

    def resolve(self) -> list[Path]:
        """The jars, resolved with Maven on first use."""
        if not self.is_resolved():
            self._resolve_into(self.cache_dir())
        return sorted(self.cache_dir().glob("*.jar"))

    def _resolve_into(self, target: Path) -> None:
        if shutil.which("mvn") is None:
            raise JarResolutionError(f"Maven (mvn) is required once to fetch the jars of {self.purpose}.")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
        cmd = [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(self.pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise JarResolutionError(f"Maven could not resolve the jars of {self.purpose} from {self.pom}:\n{tail}")
        # Classes the host already ships must come from one jar only, or the JVM picks one at random.
        shipped = self.already_shipped()
        for jar in staging.glob("*.jar"):
            if artifact_name(jar.name) in shipped:
                jar.unlink()
        (staging / ".complete").touch()
        # A rename is atomic, so two processes resolving at once never see a half-filled folder.
        try:
            staging.rename(target)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)

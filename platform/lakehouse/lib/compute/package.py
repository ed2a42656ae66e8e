"""The package as one archive for `spark-submit --py-files`: what a Spark driver and its executors
import, built from the installed package and cached by its content."""

import hashlib
import zipfile
from pathlib import Path

import lakehouse

PACKAGE = Path(lakehouse.__file__).parent


def package_archive(cache_dir: Path) -> Path:
    """`lakehouse-<hash>.zip` in `cache_dir`, made once per content of the package's sources and data."""
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    archive = cache_dir / f"lakehouse-{digest.hexdigest()[:16]}.zip"
    if not archive.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        draft = archive.with_suffix(".part")
        with zipfile.ZipFile(draft, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                zf.write(path, Path("lakehouse") / path.relative_to(PACKAGE))
        draft.replace(archive)  # whole or not at all: a concurrent run never ships half an archive
    return archive

"""Debian's Chromium, headless, for tests that look at a page as a browser renders it.

Only local files are opened, and every host name resolves to nothing, so a page that tried to
fetch a script or font from the network would render without it. CI installs Chromium (`.ci/run`);
there its absence fails the test, elsewhere it skips it with the reason.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

WINDOW = (1280, 1000)  # CSS pixels = screenshot pixels (device scale factor 1)
TIMEOUT_SECONDS = 120


def chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    reason = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: .ci/run should have installed it")
    pytest.skip(reason)


def run_chromium(page: Path, *action: str) -> str:
    """Open the local `page` with a fresh profile, do `action` (e.g. `--dump-dom`), return its stdout."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [
            chromium(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            "--force-device-scale-factor=1",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-proxy-server",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            *action,
            page.resolve().as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    assert result.returncode == 0, f"chromium failed ({result.returncode}): {result.stderr[-3000:]}"
    return result.stdout


def dump_dom(page: Path) -> str:
    """The DOM after the page loaded and its scripts ran, serialized."""
    return run_chromium(page, "--dump-dom")


def screenshot(page: Path, png: Path) -> Path:
    """The page as shown in a window of WINDOW's size."""
    run_chromium(page, f"--screenshot={png}")
    assert png.exists(), f"chromium wrote no screenshot to {png}"
    return png

"""Debian's Chromium, headless, as the viewer's tests and benchmark drive it through Playwright.

Playwright's own browser downloads are never used: the project runs the distribution's `chromium`
(installed by `make test` / `make bench`). The flags keep a headless browser on a closed network quiet
(no background connections, no component updates) and give it WebGL 2 through SwiftShader, the software
renderer, on machines with no GPU.
"""

from __future__ import annotations

import shutil
from typing import Any

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
)


class ChromiumMissing(Exception):
    """No `chromium` on the PATH."""


def launch_chromium(playwright: Any) -> Any:
    """Launch headless Chromium from the PATH with a Playwright instance (`sync_playwright()`)."""
    executable = shutil.which("chromium")
    if executable is None:
        raise ChromiumMissing("Debian's chromium is not installed (make test installs it: apt-get install chromium)")
    return playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))

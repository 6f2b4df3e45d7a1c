"""The `captainred` command: list scenarios, run battles, watch and export replays, carry a campaign.

Holds no logic a library user would need: it parses arguments, calls the library, and turns a user's
error into one line on stderr with exit status 2. One module per group of sub-commands (battle, viewer,
campaign, sweep, analysis); `common` holds what they share.
"""

from __future__ import annotations

import sys

from captainred.cli import battle, campaign, sweep, viewer  # noqa: F401 (each registers its commands on `app`)

# isort: split
from captainred.cli import analysis  # noqa: F401 (registered after the others: its commands come after theirs in --help)
from captainred.cli.common import app, err, the_whole_process


def main() -> None:
    the_whole_process()
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)

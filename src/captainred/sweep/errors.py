"""The one kind of user error a sweep raises beyond a bad scenario or `--vary`: shown as one line."""

from __future__ import annotations


class SweepError(Exception):
    """An output folder, a resume or a backend that cannot be used as asked (exit status 2)."""

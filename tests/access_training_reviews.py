"""Access-matrix rows of the training app's reviews pages (joined into tests/access.py)."""

from __future__ import annotations

from tests.access import Row  # noqa: F401

ROWS: list = []

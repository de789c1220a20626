"""What CI must run: a missing piece there is a failure, elsewhere a skip with the reason."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def skip_or_fail(why: str) -> None:
    if in_ci():
        pytest.fail(f"CI must run this test: {why}")
    pytest.skip(why)

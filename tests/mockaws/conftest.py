from __future__ import annotations

import pytest

from lambdalab.mockaws.account import shutdown_host


@pytest.fixture(scope="session", autouse=True)
def _moto_host():
    # One warm moto host for the whole test session; stopped so no process outlives the tests.
    yield
    shutdown_host()

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lambdalab.runtime import Runtime
from tests.runtime.support import require_root


@pytest.fixture(scope="module")
def rt() -> Iterator[Runtime]:
    """One Runtime (and zygote) shared by a test module, as a worker process would."""
    require_root()
    runtime = Runtime(max_environments=6)
    yield runtime
    runtime.close()

"""LambdaLab's Lambda-faithful sandboxed runtime. Plain Python: no Django imports.

Public API:

    from lambdalab.runtime import FunctionConfig, Runtime, Invocation, ConfigError, \
        IsolationUnavailable, RequestError

    config = FunctionConfig(code={"lambda_function.py": SRC})   # raises ConfigError (AWS wording)
    rt = Runtime()               # one per worker process; the zygote starts lazily
    inv = rt.invoke(config, event, owner="learner-42", cold=False, aws=None)       -> Invocation
    invs = rt.invoke_sequence(config, events, owner=..., cold=False, aws=None)     -> list
    invs = rt.invoke_concurrent(config, event, n, owner=..., reserved_concurrency=None, aws=None)
    rt.reap_idle()               # destroy environments idle past `idle_expiry_s` (default 300)
    rt.close()                   # destroy every environment and stop the zygote
    inv.to_dict()                # exactly the `invoke --json` keys
    inv.payload_bytes            # the raw Invoke response body
    inv.cost_for("arm64")        # USD, us-east-1

`aws` is an object with `connect() -> socket.socket`; each invocation gets a fresh socket,
passed into the sandbox, where `lambdalab.mockaws.client.use_channel(fd)` runs before the
handler. Without it, the sandbox has no network at all.

Errors: ConfigError (invalid configuration), RequestError (the Invoke API would reject the
request: bad JSON, payload over 6 MB), IsolationUnavailable (learner code cannot be isolated
on this host; nothing runs).
"""

from __future__ import annotations

from lambdalab.runtime.config import ConfigError, FunctionConfig
from lambdalab.runtime.host import IsolationUnavailable
from lambdalab.runtime.invocation import Invocation
from lambdalab.runtime.requests import RequestError
from lambdalab.runtime.runtime import Runtime

__all__ = [
    "ConfigError",
    "FunctionConfig",
    "Invocation",
    "IsolationUnavailable",
    "RequestError",
    "Runtime",
]

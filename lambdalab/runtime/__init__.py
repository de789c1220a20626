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

How it isolates (fails closed; there is no switch to run learner code unisolated):

    worker --exec, env={}--> zygote (boto3 + warmed models, gc.freeze; never reads payloads)
      zygote --fork--> slot forker (one per slot: joins the slot's memory/pids cgroups once,
                       owns an empty network namespace and a read-only template root)
        forker --clone(NEWPID)--> sandbox init, PID 1 (new mount/ipc/uts/cgroup namespaces,
                       pivot_root into the template; mounts /proc, /tmp (ephemeral size) and a
                       read-only /var/task with the code it reads from a pipe; holds /tmp
                       across resets; never runs learner code)
          init --fork--> runtime process (per-slot uid, no capabilities, rlimits,
                       no_new_privs, seccomp filter; imports the handler, serves invokes)

Results and logs come back over a socket and a pipe; the host never touches sandbox paths.
As an ordinary user it uses unprivileged user namespaces and, without a delegated cgroup,
rlimits with the peak memory measured from the process tree.

Deployment (docker-compose worker): the container needs CAP_SYS_ADMIN (Docker's default
seccomp profile then allows mount/unshare/clone with namespace flags), an AppArmor profile
that allows the mounts (or apparmor=unconfined), and a writable cgroup: v1 memory+pids
hierarchies, or a v2 subtree with memory and pids delegated. Several workers on one host
share sandbox uids safely through lock files (LAMBDALAB_SANDBOX_UID_BASE moves the range).
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

"""The Python runtime inside the sandbox: INIT (import the handler), then serve invokes.

Runs only in the isolated, unprivileged process. It mirrors awslambdaric: the root logger's
handler and format, raw print output, error documents and result serialisation. Everything
it sends back is treated as untrusted by the host.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import logging
import os
import resource
import socket
import sys
import sysconfig
import time
import traceback
from typing import Any

import simplejson

from lambdalab.runtime import channel
from lambdalab.runtime.lambda_context import LambdaContext

try:  # the mock-AWS client is preloaded by the zygote; optional until that part exists
    from lambdalab.mockaws import client as _aws_client
except ImportError:  # pragma: no cover - depends on the mock-AWS part being installed
    _aws_client = None

TASK_ROOT = "/var/task"
MAX_EVENT = 6 * 1024 * 1024
MAX_RESULT = 6 * 1024 * 1024
_NBSP = "\u00a0"


class _LambdaLoggerHandler(logging.Handler):
    """The runtime's root handler: `[LEVEL]\\tTIMESTAMP\\tREQUEST_ID\\tmessage`, UTC."""

    def __init__(self) -> None:
        super().__init__()
        self.request_id = ""
        fmt = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
        fmt.converter = time.gmtime
        self.setFormatter(fmt)

    def emit(self, record: logging.LogRecord) -> None:
        record.aws_request_id = self.request_id
        try:
            _write_log(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - logging must never break the handler
            self.handleError(record)


def _write_log(text: str) -> None:
    data = text.encode("utf-8", "backslashreplace")
    while data:
        data = data[os.write(1, data) :]


def _unbuffered(fd: int) -> io.TextIOWrapper:
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace", write_through=True)


class FaultError(Exception):
    """A Runtime.* fault raised while loading the handler."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def error_document(error_type: str, message: str, request_id: str, trace: list[str]) -> bytes:
    doc = {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": trace,
    }
    return simplejson.dumps(doc, ensure_ascii=False).encode()


def error_log_record(error_type: str, message: str, trace: list[str]) -> str:
    head = f"[ERROR] {error_type}: {message}" if message else f"[ERROR] {error_type}"
    lines = [head, "Traceback (most recent call last):"]
    for entry in trace:
        for line in entry.rstrip("\n").split("\n"):
            stripped = line.lstrip(" ")
            lines.append(_NBSP * (len(line) - len(stripped)) + stripped)
    return "\n".join(lines) + "\n"


def _sdk_site_packages() -> str:
    """Where boto3 and botocore are: the worker's site-packages, also for the sandbox's other
    Python versions (which import the worker's SDK, pure Python, ahead of their own)."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        return sysconfig.get_paths()["purelib"]
    return os.path.dirname(os.path.dirname(spec.origin))


_HOST_PATHS = (  # most specific first: the venv may sit inside the interpreter's tree
    (_sdk_site_packages() + "/", "{lib}/site-packages/"),
    (sysconfig.get_paths()["stdlib"] + "/", "{lib}/"),
    (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/", "/var/runtime/"),
)


def lambda_path(filename: str) -> str:
    """Where a file lives on Lambda: the host's stdlib and SDK paths become /var/lang's."""
    runtime = os.environ.get("AWS_EXECUTION_ENV", "AWS_Lambda_python3.12").removeprefix(
        "AWS_Lambda_"
    )
    for host, lam in _HOST_PATHS:
        if filename.startswith(host):
            return lam.format(lib=f"/var/lang/lib/{runtime}") + filename[len(host) :]
    return filename


def user_frames(tb: Any) -> list[str]:
    """Format the traceback without runtime frames and without carets, like the runtime."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename != __file__]
    out = []
    for frame in frames:
        entry = f'  File "{lambda_path(frame.filename)}", line {frame.lineno}, in {frame.name}\n'
        if frame.line:
            entry += f"    {frame.line.strip()}\n"
        out.append(entry)
    return out


def load_handler(handler: str) -> Any:
    """INIT: import the handler module from /var/task and return the handler callable."""
    try:
        module_path, function_name = handler.rsplit(".", 1)
    except ValueError as exc:
        raise FaultError(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}"
        ) from None
    module_name = module_path.replace("/", ".")
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultError(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    module = _import_user_module(module_name)
    func = getattr(module, function_name, None)
    if func is None:
        raise FaultError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return func


def _import_user_module(module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise FaultError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from None
    except SyntaxError as exc:
        text = (exc.text or "").strip()
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {text}\n']
        raise FaultError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", trace
        ) from None


def shadow_preloaded_modules() -> None:
    """Forget preloaded third-party modules that the learner's code ships under the same name,
    so `import x` finds /var/task/x.py first, as it would on Lambda."""
    stdlib = set(sys.stdlib_module_names)
    for entry in os.listdir(TASK_ROOT):
        name = entry[:-3] if entry.endswith(".py") else entry
        if name in stdlib or name not in sys.modules:
            continue
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]


_ROOT_HANDLER: _LambdaLoggerHandler | None = None


def prepare_logging() -> None:
    """In the zygote: install the runtime's root log handler once. Every runtime process
    inherits it instead of building a formatter and walking every SDK logger's cache (each
    page those touch is a page copied in every sandbox). It writes to fd 1, which is
    /dev/null until a runtime process makes it the function's log pipe."""
    global _ROOT_HANDLER
    _ROOT_HANDLER = _LambdaLoggerHandler()
    _install_root_handler(_ROOT_HANDLER)


def _install_root_handler(handler: logging.Handler) -> None:
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


class Runtime:
    """One runtime process: INIT once, then one invoke at a time over the control socket."""

    def __init__(self, sock: socket.socket, handler: str) -> None:
        self.sock = sock
        self.handler_name = handler
        self.log_handler = _ROOT_HANDLER or _LambdaLoggerHandler()

    def setup_process(self) -> None:
        sys.stdout = sys.__stdout__ = _unbuffered(1)
        sys.stderr = sys.__stderr__ = _unbuffered(2)
        root = logging.getLogger()
        if root.handlers != [self.log_handler] or root.level != logging.WARNING:
            _install_root_handler(self.log_handler)
        level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
        if level:
            root.setLevel(
                {"TRACE": "DEBUG", "FATAL": "CRITICAL", "WARN": "WARNING"}.get(level, level)
            )

    def init(self) -> Any:
        try:
            shadow_preloaded_modules()
            func = load_handler(self.handler_name)
        except FaultError as fault:
            self._fail_init(fault.error_type, fault.message, fault.trace)
            return None
        except Exception as exc:  # noqa: BLE001 - any error at import time is an init error
            self._fail_init(type(exc).__name__, str(exc), user_frames(exc.__traceback__))
            return None
        channel.send(self.sock, {"type": "init_done"})
        return func

    def _fail_init(self, error_type: str, message: str, trace: list[str]) -> None:
        _write_log(error_log_record(error_type, message, trace))
        doc = error_document(error_type, message, "", trace)
        channel.send(self.sock, {"type": "init_error", "error_type": error_type}, doc)

    def serve(self, func: Any) -> None:
        while True:
            try:
                header, body, fds = channel.recv_blocking(self.sock, MAX_EVENT)
            except EOFError:
                os._exit(0)
            if header.get("type") == "invoke":
                self._invoke(func, header, body, fds)

    def _invoke(self, func: Any, header: dict[str, Any], body: bytes, fds: list[int]) -> None:
        request_id = header["id"]
        self.log_handler.request_id = request_id
        _set_trace_id(header.get("trace"))
        _attach_aws_channel(fds)
        context = LambdaContext(
            request_id=request_id,
            deadline_ms=int(time.time() * 1000) + int(header["timeout_ms"]),
            invoked_function_arn=header["arn"],
        )
        try:
            event = simplejson.loads(body) if body else {}
            result = func(event, context)
        except Exception as exc:  # noqa: BLE001 - the learner's exception becomes the result
            trace = user_frames(exc.__traceback__)
            self._reply_error(type(exc).__name__, str(exc), request_id, trace, log=True)
            return
        finally:
            _release_aws_channel(fds)
        self._reply_result(result, request_id)

    def _reply_result(self, result: Any, request_id: str) -> None:
        if isinstance(result, bytes):
            payload = result
        else:
            try:
                payload = simplejson.dumps(result, ensure_ascii=False, use_decimal=True).encode()
            except Exception as exc:  # noqa: BLE001 - any serialisation failure is a MarshalError
                self._reply_error(
                    "Runtime.MarshalError",
                    f"Unable to marshal response: {exc}",
                    request_id,
                    [],
                    log=True,
                )
                return
        if len(payload) > MAX_RESULT:
            channel.send(self.sock, {"type": "result", "ok": False, "too_large": True, **_usage()})
            return
        channel.send(self.sock, {"type": "result", "ok": True, **_usage()}, payload)

    def _reply_error(
        self, error_type: str, message: str, request_id: str, trace: list[str], *, log: bool
    ) -> None:
        if log:
            _write_log(error_log_record(error_type, message, trace))
        doc = error_document(error_type, message, request_id, trace)
        channel.send(
            self.sock, {"type": "result", "ok": False, "error_type": error_type, **_usage()}, doc
        )


def _usage() -> dict[str, int]:
    """Peak resident memory of this process tree in KiB (used when no cgroup is available)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"maxrss_kb": max(own, kids)}


def _set_trace_id(trace: str | None) -> None:
    if trace:
        os.environ["_X_AMZN_TRACE_ID"] = trace
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def _attach_aws_channel(fds: list[int]) -> None:
    if fds and _aws_client is not None:
        _aws_client.use_channel(fds[0])


def _release_aws_channel(fds: list[int]) -> None:
    if not fds:
        return
    try:
        release = getattr(_aws_client, "release_channel", None)
        if release is not None:
            release()
    finally:
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass


def run(ctl_fd: int, configure: Any) -> None:
    """Entry point in the sandboxed runtime process; never returns.

    Waits for the host's init message (handler, environment, limits), applies it with
    `configure`, then runs INIT and serves invokes."""
    sock = socket.socket(fileno=ctl_fd)
    try:
        header, _body, fds = channel.recv_blocking(sock, 0)
    except (EOFError, channel.ProtocolError, ValueError):
        os._exit(0)
    if header.get("type") != "init":
        os._exit(0)
    configure(header)
    runtime = Runtime(sock, str(header["handler"]))
    runtime.setup_process()
    try:
        _attach_aws_channel(fds)  # module-level AWS calls reach the first invocation's account
        try:
            func = runtime.init()
        finally:
            _release_aws_channel(fds)
        if func is None:
            os._exit(0)
        runtime.serve(func)
    except SystemExit as exc:
        code = exc.code
        if code is not None and not isinstance(code, int):
            sys.stderr.write(f"{code}\n")
            code = 1
        os._exit(code or 0)

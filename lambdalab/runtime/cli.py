"""`invoke`: run a handler in the sandbox from the command line, like `sam local invoke`.

    python manage.py invoke --code PATH --handler H [--event FILE]... [--memory MB]
        [--timeout S] [--env K=V]... [--concurrency N] [--cold] [--json]
        [--fixtures FILE] [--state-out FILE]

With --fixtures (or --state-out) the handler's boto3 calls reach a mock AWS account of its
own, seeded from the fixture file; --state-out writes that account's final state as JSON.

Exit status 0 when the invocations ran (whatever the function did), 2 on bad arguments or
when isolation cannot be set up.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lambdalab.runtime.config import MAX_CODE_BYTES, ConfigError, FunctionConfig
from lambdalab.runtime.host import IsolationUnavailable
from lambdalab.runtime.invocation import Invocation
from lambdalab.runtime.requests import RequestError
from lambdalab.runtime.runtime import Runtime

EXIT_OK, EXIT_USAGE = 0, 2


class UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    """All of the command's arguments, in one place (other parts add theirs here)."""
    parser = argparse.ArgumentParser(
        prog="invoke", description="Invoke a Lambda handler in LambdaLab's sandbox."
    )
    parser.add_argument("--code", required=True, help="a .py file or a directory")
    parser.add_argument("--handler", required=True, help="module.function, e.g. app.handler")
    parser.add_argument(
        "--event",
        action="append",
        default=[],
        help="JSON event file, '-' for stdin; repeat for a sequence",
    )
    parser.add_argument("--memory", type=int, default=128, help="memory size in MB (128)")
    parser.add_argument("--timeout", type=int, default=3, help="timeout in seconds (3)")
    parser.add_argument(
        "--env", action="append", default=[], metavar="K=V", help="environment variable; repeatable"
    )
    parser.add_argument(
        "--concurrency", type=int, default=1, help="send each event N times at once"
    )
    parser.add_argument(
        "--reserved-concurrency",
        type=int,
        default=None,
        help="cap concurrent executions; the excess is throttled (429)",
    )
    parser.add_argument("--runtime", default="python3.12", help="python3.12 or python3.13")
    parser.add_argument("--function-name", default="my-function")
    parser.add_argument("--cold", action="store_true", help="a fresh environment per event")
    parser.add_argument("--json", action="store_true", help="print a JSON array of records")
    parser.add_argument(
        "--fixtures",
        metavar="FILE",
        help="seed this run's mock AWS account from a fixture YAML file",
    )
    parser.add_argument(
        "--state-out",
        metavar="FILE",
        help="write the mock AWS account's final state as JSON to FILE",
    )
    return parser


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = build_parser()
    try:
        return parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse already printed the message
        raise UsageError("") from exc


def load_code(path: str) -> dict[str, str]:
    """A file becomes {name: source}; a directory becomes every file, relative paths kept."""
    root = Path(path)
    if root.is_file():
        return {root.name: _read_text(root)}
    if not root.is_dir():
        raise UsageError(f"--code {path}: no such file or directory")
    files: dict[str, str] = {}
    total = 0
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = file.relative_to(root).as_posix()
        if "__pycache__" in rel.split("/"):
            continue
        files[rel] = _read_text(file)
        total += len(files[rel].encode())
        if total > MAX_CODE_BYTES:
            raise UsageError(f"--code {path}: more than {MAX_CODE_BYTES} bytes of code")
    if not files:
        raise UsageError(f"--code {path}: the directory is empty")
    return files


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"--code: {path} is not UTF-8 text") from exc


def load_events(sources: list[str]) -> list[bytes]:
    if not sources:
        return [b"{}"]
    events = []
    for source in sources:
        try:
            raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        except OSError as exc:
            raise UsageError(f"--event {source}: {exc.strerror}") from exc
        try:
            json.loads(raw)
        except ValueError as exc:
            raise UsageError(f"--event {source}: not valid JSON ({exc})") from exc
        events.append(raw)
    return events


def parse_env(pairs: list[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--env {pair}: expected KEY=VALUE")
        env[key] = value
    return env


def build_config(args: argparse.Namespace) -> FunctionConfig:
    return FunctionConfig(
        code=load_code(args.code),
        handler=args.handler,
        memory_size=args.memory,
        timeout=args.timeout,
        environment=parse_env(args.env),
        runtime=args.runtime,
        function_name=args.function_name,
    )


def run(
    args: argparse.Namespace,
    config: FunctionConfig,
    events: list[bytes],
    runtime: Runtime,
    aws: Any = None,
) -> list[Invocation]:
    """Every event in order in one environment; or fresh ones with --cold; N at once with
    --concurrency."""
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if args.concurrency > 1 or args.reserved_concurrency is not None:
        results: list[Invocation] = []
        for event in events:
            results += runtime.invoke_concurrent(
                config,
                event,
                args.concurrency,
                owner="cli",
                cold=args.cold,
                reserved_concurrency=args.reserved_concurrency,
                aws=aws,
            )
        return results
    if args.cold:
        return [runtime.invoke(config, event, owner="cli", cold=True, aws=aws) for event in events]
    return runtime.invoke_sequence(config, events, owner="cli", aws=aws)


@contextmanager
def mock_account(args: argparse.Namespace) -> Iterator[Any]:
    """The run's mock AWS account when --fixtures or --state-out asks for one, else None."""
    if not (args.fixtures or args.state_out):
        yield None
        return
    from lambdalab.mockaws import FixtureError, MockAccount, load_fixtures
    from lambdalab.mockaws.account import shutdown_host

    try:
        fixtures = load_fixtures(Path(args.fixtures)) if args.fixtures else {}
        account = MockAccount.start(fixtures=fixtures, source_name=args.fixtures or "fixtures")
    except FixtureError as exc:
        shutdown_host()
        raise UsageError(f"--fixtures {exc}") from exc
    try:
        yield account
        if args.state_out:
            state = json.dumps(account.state(), indent=2, ensure_ascii=False)
            Path(args.state_out).write_text(state + "\n", encoding="utf-8")
    finally:
        account.close()
        shutdown_host()


def render(invocations: list[Invocation], *, as_json: bool) -> str:
    if as_json:
        return json.dumps([inv.to_dict() for inv in invocations], indent=2, ensure_ascii=False)
    parts = []
    for inv in invocations:
        parts.append(inv.logs)
        parts.append(inv.payload_bytes.decode("utf-8", "replace"))
        parts.append("")
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for `manage.py invoke` and `python -m lambdalab.runtime`."""
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        config = build_config(args)
        events = load_events(args.event)
        with (
            mock_account(args) as aws,
            Runtime() as runtime,  # its slot limit applies: excess invocations wait
        ):
            invocations = run(args, config, events, runtime, aws)
    except UsageError as exc:
        if str(exc):
            print(f"invoke: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ConfigError, RequestError, IsolationUnavailable) as exc:
        print(f"invoke: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(render(invocations, as_json=args.json))
    return EXIT_OK

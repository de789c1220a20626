"""The function model: what a learner configures, validated with the messages AWS gives."""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

MAX_CODE_BYTES = 3 * 1024 * 1024  # the console editor's limit
MAX_ENV_BYTES = 4 * 1024
RUNTIMES = ("python3.12", "python3.13")
ARCHITECTURES = ("x86_64", "arm64")
RESERVED_ENV_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
_ENV_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]+$")
_FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
_VERSION = re.compile(r"^(\$LATEST|[1-9]\d{0,9})$")


class ConfigError(ValueError):
    """An invalid function configuration; the message is the one AWS returns."""

    def __init__(self, message: str, *, code: str = "ValidationException") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FunctionConfig:
    """A Lambda function as a learner configures it. Validated on creation (raises ConfigError).

    `code` maps relative paths to source text; `handler` is `module.function` with the module
    part allowed to contain slashes (`src/app.handler` imports `src.app`).
    """

    code: Mapping[str, str]
    handler: str = "lambda_function.lambda_handler"
    runtime: str = "python3.12"
    memory_size: int = 128
    timeout: int = 3
    ephemeral_storage: int = 512
    environment: Mapping[str, str] = field(default_factory=dict)
    function_name: str = "my-function"
    version: str = "$LATEST"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    architecture: str = "x86_64"

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", MappingProxyType(dict(self.code)))
        object.__setattr__(self, "environment", MappingProxyType(dict(self.environment)))
        _validate(self)

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def fingerprint(self) -> str:
        """A digest of everything that forces new execution environments when it changes."""
        cached = self.__dict__.get("_fingerprint")
        if cached is None:
            doc = {k: v for k, v in self.__dict__.items() if k not in ("code", "environment")}
            doc["code"] = sorted(self.code.items())
            doc["environment"] = sorted(self.environment.items())
            cached = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
            object.__setattr__(self, "_fingerprint", cached)  # frozen: computed once
        return cached


def _validate(cfg: FunctionConfig) -> None:
    _validate_names(cfg)
    _validate_numbers(cfg)
    _validate_environment(cfg.environment)
    _validate_code(cfg.code)


def _constraint(value: object, member: str, rule: str) -> ConfigError:
    return ConfigError(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {rule}"
    )


def _validate_names(cfg: FunctionConfig) -> None:
    if not _FUNCTION_NAME.match(cfg.function_name):
        raise _constraint(
            cfg.function_name,
            "functionName",
            "Member must satisfy regular expression pattern: "
            "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?"
            "(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
        )
    if cfg.runtime not in RUNTIMES:
        raise _constraint(
            cfg.runtime, "runtime", f"Member must satisfy enum value set: [{', '.join(RUNTIMES)}]"
        )
    if cfg.architecture not in ARCHITECTURES:
        raise _constraint(
            f"[{cfg.architecture}]",
            "architectures",
            f"Member must satisfy enum value set: [{', '.join(ARCHITECTURES)}]",
        )
    if (
        not isinstance(cfg.handler, str)
        or not cfg.handler
        or len(cfg.handler) > 128
        or not re.match(r"^[^\s]+$", cfg.handler)
    ):
        raise _constraint(
            cfg.handler, "handler", "Member must satisfy regular expression pattern: [^\\s]+"
        )
    if not _REGION.match(cfg.region):
        raise ConfigError(f"Invalid region: {cfg.region}")
    if not _ACCOUNT.match(cfg.account_id):
        raise ConfigError(f"Invalid account id: {cfg.account_id} (12 digits expected)")
    if not _VERSION.match(cfg.version):
        raise _constraint(
            cfg.version,
            "qualifier",
            "Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)",
        )


def _validate_numbers(cfg: FunctionConfig) -> None:
    checks = (
        ("memorySize", cfg.memory_size, 128, 10240),
        ("timeout", cfg.timeout, 1, 900),
        ("ephemeralStorage.size", cfg.ephemeral_storage, 512, 10240),
    )
    for member, value, low, high in checks:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _constraint(value, member, "Member must be an integer")
        if value < low:
            raise _constraint(
                value, member, f"Member must have value greater than or equal to {low}"
            )
        if value > high:
            raise _constraint(value, member, f"Member must have value less than or equal to {high}")


def _validate_environment(env: Mapping[str, str]) -> None:
    for key, value in env.items():
        if not isinstance(key, str) or not _ENV_KEY.match(key):
            raise ConfigError(
                "1 validation error detected: Value at 'environment.variables' failed to satisfy "
                "constraint: Map keys must satisfy constraint: [Member must satisfy regular "
                "expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
            )
        if not isinstance(value, str):
            raise ConfigError(f"Environment variable {key} must be a string")
        if key in RESERVED_ENV_KEYS:
            raise ConfigError(
                "Lambda was unable to configure your environment variables because the "
                f"environment variables you have provided contains reserved keys that are "
                f"currently not supported for modification. Reserved keys used in this "
                f"request: {key}",
                code="InvalidParameterValueException",
            )
    size = len(json.dumps(dict(env), separators=(",", ":")).encode()) if env else 0
    if size > MAX_ENV_BYTES:
        raise ConfigError(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. String measured: "
            f"{size} bytes",
            code="InvalidParameterValueException",
        )


def _validate_code(code: Mapping[str, str]) -> None:
    if not code:
        raise ConfigError(
            "Function code is empty: at least one file is required",
            code="InvalidParameterValueException",
        )
    total = 0
    for path, source in code.items():
        _validate_code_path(path)
        if not isinstance(source, str):
            raise ConfigError(
                f"Code file {path} must be text", code="InvalidParameterValueException"
            )
        total += len(source.encode())
    if total > MAX_CODE_BYTES:
        raise ConfigError(
            f"Unzipped size must be smaller than {MAX_CODE_BYTES} bytes (code editor limit)",
            code="InvalidParameterValueException",
        )


def _validate_code_path(path: str) -> None:
    norm = posixpath.normpath(path) if isinstance(path, str) else ""
    bad = (
        not norm
        or norm != path
        or norm.startswith(("/", "../"))
        or norm in (".", "..")
        or "\x00" in norm
        or len(norm) > 255
        or norm.count("/") > 16
    )
    if bad:
        raise ConfigError(
            f"Invalid code file path: {path!r}", code="InvalidParameterValueException"
        )

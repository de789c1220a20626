"""Invalid function configurations are refused with the messages AWS gives."""

from __future__ import annotations

import pytest

from lambdalab.runtime import ConfigError, FunctionConfig

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}


def test_defaults_match_a_new_console_function():
    cfg = FunctionConfig(code=CODE)
    assert (cfg.handler, cfg.memory_size, cfg.timeout, cfg.ephemeral_storage) == (
        "lambda_function.lambda_handler",
        128,
        3,
        512,
    )
    assert cfg.function_arn == "arn:aws:lambda:us-east-1:123456789012:function:my-function"
    assert cfg.log_group_name == "/aws/lambda/my-function"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "memory_size",
            127,
            "Value '127' at 'memorySize' failed to satisfy constraint: Member must "
            "have value greater than or equal to 128",
        ),
        ("memory_size", 10241, "Member must have value less than or equal to 10240"),
        (
            "timeout",
            0,
            "Value '0' at 'timeout' failed to satisfy constraint: Member must have value "
            "greater than or equal to 1",
        ),
        ("timeout", 901, "Member must have value less than or equal to 900"),
        ("ephemeral_storage", 511, "at 'ephemeralStorage.size'"),
        ("runtime", "python2.7", "Member must satisfy enum value set: [python3.12, python3.13]"),
        ("function_name", "bad name", "at 'functionName' failed to satisfy constraint"),
    ],
)
def test_out_of_range_settings_are_rejected_in_aws_words(field, value, message):
    with pytest.raises(ConfigError) as err:
        FunctionConfig(code=CODE, **{field: value})
    assert message in str(err.value)
    assert str(err.value).startswith("1 validation error detected: ")


def test_reserved_environment_variables_cannot_be_set():
    with pytest.raises(ConfigError) as err:
        FunctionConfig(code=CODE, environment={"AWS_REGION": "eu-west-1"})
    assert err.value.code == "InvalidParameterValueException"
    assert "Reserved keys used in this request: AWS_REGION" in str(err.value)


def test_environment_larger_than_4_kb_is_rejected():
    with pytest.raises(ConfigError, match="exceeded the 4KB limit"):
        FunctionConfig(code=CODE, environment={"BIG": "x" * 4100})


def test_environment_keys_must_look_like_identifiers():
    with pytest.raises(ConfigError, match=r"\[a-zA-Z\]\(\[a-zA-Z0-9_\]\)\+"):
        FunctionConfig(code=CODE, environment={"1ABC": "x"})


def test_code_over_the_editor_limit_of_3_mb_is_rejected():
    with pytest.raises(ConfigError, match="3145728 bytes"):
        FunctionConfig(code={"a.py": "#" * (3 * 1024 * 1024 + 1)})


@pytest.mark.parametrize("path", ["../evil.py", "/etc/passwd", "a/../../b.py", "", "a//b.py"])
def test_code_paths_cannot_leave_the_task_root(path):
    with pytest.raises(ConfigError, match="Invalid code file path"):
        FunctionConfig(code={path: "x = 1"})


def test_a_code_or_config_change_changes_the_fingerprint():
    base = FunctionConfig(code=CODE)
    assert base.fingerprint() == FunctionConfig(code=dict(CODE)).fingerprint()
    assert base.fingerprint() != FunctionConfig(code={"lambda_function.py": "x=2"}).fingerprint()
    assert base.fingerprint() != FunctionConfig(code=CODE, memory_size=256).fingerprint()

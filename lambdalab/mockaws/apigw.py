"""API Gateway proxy events (REST payload 1.0, HTTP API payload 2.0) from a request's parts."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


def _now(at: datetime | None) -> datetime:
    at = at or datetime.now(UTC)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _request_id() -> str:
    return uuid.uuid4().hex[:16].upper()


def _split_query(query: str | dict | None) -> list[tuple[str, str]]:
    if query is None:
        return []
    if isinstance(query, str):
        return parse_qsl(query.lstrip("?"), keep_blank_values=True)
    return [(k, str(x)) for k, v in query.items() for x in (v if isinstance(v, list) else [v])]


def _body(body: str | bytes | dict | list | None) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            return base64.b64encode(body).decode(), True
    return (body if isinstance(body, str) else json.dumps(body)), False


def _clf_time(at: datetime) -> str:
    return at.strftime("%d/%b/%Y:%H:%M:%S +0000")


def apigw_rest_event(
    *,
    method: str = "GET",
    path: str = "/",
    query: str | dict | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    resource: str | None = None,
    path_parameters: dict | None = None,
    stage: str = "prod",
    stage_variables: dict | None = None,
    api_id: str = "1234567890",
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    source_ip: str = "203.0.113.10",
    at: datetime | None = None,
) -> dict[str, Any]:
    """API Gateway REST API proxy integration (payload 1.0): absent parts are null."""
    at = _now(at)
    pairs = _split_query(query)
    headers = {
        "Host": f"{api_id}.execute-api.{region}.amazonaws.com",
        "User-Agent": "curl/8.5.0",
        "X-Forwarded-For": source_ip,
    } | dict(headers or {})
    multi_q: dict[str, list[str]] = {}
    for k, v in pairs:
        multi_q.setdefault(k, []).append(v)
    text, is_b64 = _body(body)
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method.upper(),
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_q.items()} or None,
        "multiValueQueryStringParameters": multi_q or None,
        "pathParameters": path_parameters or None,
        "stageVariables": stage_variables or None,
        "requestContext": {
            "accountId": account,
            "resourceId": "abc123",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": _request_id() + "=",
            "requestTime": _clf_time(at),
            "requestTimeEpoch": int(at.timestamp() * 1000),
            "identity": {
                k: None
                for k in (
                    "cognitoIdentityPoolId",
                    "accountId",
                    "cognitoIdentityId",
                    "caller",
                    "accessKey",
                    "cognitoAuthenticationType",
                    "cognitoAuthenticationProvider",
                    "userArn",
                    "user",
                )
            }
            | {"sourceIp": source_ip, "userAgent": headers.get("User-Agent")},
            "path": f"/{stage}{path}",
            "resourcePath": resource or path,
            "httpMethod": method.upper(),
            "apiId": api_id,
            "protocol": "HTTP/1.1",
            "domainName": f"{api_id}.execute-api.{region}.amazonaws.com",
            "domainPrefix": api_id,
            "deploymentId": "wxyz12",
        },
        "body": text,
        "isBase64Encoded": is_b64,
    }


def apigw_http_event(
    *,
    method: str = "GET",
    path: str = "/",
    query: str | dict | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    route_key: str = "$default",
    path_parameters: dict | None = None,
    cookies: list[str] | None = None,
    stage: str = "$default",
    api_id: str = "1234567890",
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    source_ip: str = "203.0.113.10",
    at: datetime | None = None,
) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0): lower-case headers, joined duplicates, absent omitted."""
    at = _now(at)
    pairs = _split_query(query)
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    lowered = {"host": domain, "user-agent": "curl/8.5.0", "x-forwarded-for": source_ip}
    lowered |= {k.lower(): v for k, v in (headers or {}).items()}
    joined: dict[str, str] = {}
    for k, v in pairs:
        joined[k] = f"{joined[k]},{v}" if k in joined else v
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in pairs),
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = lowered
    if joined:
        event["queryStringParameters"] = joined
    event["requestContext"] = {
        "accountId": account,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": api_id,
        "http": {
            "method": method.upper(),
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": lowered["user-agent"],
        },
        "requestId": _request_id() + "=",
        "routeKey": route_key,
        "stage": stage,
        "time": _clf_time(at),
        "timeEpoch": int(at.timestamp() * 1000),
    }
    text, is_b64 = _body(body)
    if text is not None:
        event["body"] = text
    if path_parameters:
        event["pathParameters"] = path_parameters
    event["isBase64Encoded"] = is_b64
    return event

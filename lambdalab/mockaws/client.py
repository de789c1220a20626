"""Sandbox side of the mock-AWS channel: plain boto3 in learner code reaches this run's mock.

Imported in the runtime's zygote before it forks, so it uses only the standard library and
botocore (no moto, no Django, nothing from the rest of LambdaLab).

- `preload()` registers two botocore handlers on `BUILTIN_HANDLERS`, so every Session created
  afterwards (including learner code's `boto3.client(...)`) uses them:
  * `before-call` refuses, before any retry loop, calls whose endpoint is not an AWS host or
    when no channel is in use. They fail like a blocked network (`EndpointConnectionError`)
    at once, instead of botocore retrying a dead connection for ~10 s.
  * `before-send` frames the signed request over the channel socket and returns the answer as
    an `AWSResponse`, so botocore parses it exactly as it would a real HTTP response.
- `use_channel(fd)` binds the channel for this process (one connected stream socket per run).

Wire format, both directions: u32 big-endian length + JSON header, then u64 length + raw body.
No pickle: the trusted side never deserialises anything but JSON and bytes.
"""

from __future__ import annotations

import io
import json
import os
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

MAX_HEADER_BYTES = 1 << 20
MAX_BODY_BYTES = 64 << 20
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")

# Hosts that can only be answered by the mock. Everything else is "the internet".
AWS_HOST_SUFFIXES = (".amazonaws.com", ".api.aws")


class ChannelClosed(ConnectionError):
    """The peer closed the channel (the run ended or the mock account was closed)."""


# --------------------------------------------------------------------------------- framing


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:], size - got)
        if n == 0:
            raise ChannelClosed("mock AWS channel closed")
        got += n
    return bytes(buf)


class FrameReader:
    """Buffered reads for a channel socket: one recv usually holds a whole frame.

    Only for sockets that never carry file descriptors (the control sockets do).
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = bytearray()

    def read_exact(self, size: int) -> bytes:
        while len(self._buf) < size:
            chunk = self.sock.recv(max(1 << 16, min(size - len(self._buf), 1 << 22)))
            if not chunk:
                raise ChannelClosed("mock AWS channel closed")
            self._buf += chunk
        out = bytes(self._buf[:size])
        del self._buf[:size]
        return out


def send_frame(sock: socket.socket, header: dict[str, Any], body: bytes = b"") -> None:
    """Write one frame; the caller holds whatever lock serialises the socket."""
    raw = json.dumps(header, separators=(",", ":")).encode()
    if len(raw) > MAX_HEADER_BYTES or len(body) > MAX_BODY_BYTES:
        raise ValueError("mock AWS frame too large")
    head = _U32.pack(len(raw)) + raw + _U64.pack(len(body))
    if len(body) <= 1 << 16:  # one write for the common small request
        sock.sendall(head + body)
        return
    sock.sendall(head)
    sock.sendall(body)


def recv_frame(source: socket.socket | FrameReader) -> tuple[dict[str, Any], bytes]:
    """Read one frame, refusing oversized lengths before allocating anything."""
    if isinstance(source, FrameReader):
        read = source.read_exact
    else:

        def read(size: int) -> bytes:
            return _recv_exact(source, size)

    (hlen,) = _U32.unpack(read(4))
    if hlen > MAX_HEADER_BYTES:
        raise ValueError("mock AWS frame header too large")
    header = json.loads(read(hlen))
    (blen,) = _U64.unpack(read(8))
    if blen > MAX_BODY_BYTES:
        raise ValueError("mock AWS frame body too large")
    body = read(blen) if blen else b""
    if not isinstance(header, dict):
        raise ValueError("mock AWS frame header is not an object")
    return header, body


# ------------------------------------------------------------------------ request / response


class _RawBody(io.BytesIO):
    """What botocore expects as `AWSResponse.raw`: `.read(amt)` and `.stream()`."""

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        while chunk := self.read(64 * 1024):
            yield chunk


def _body_bytes(body: Any) -> bytes:
    # botocore hands us None, bytes, str, a file object or an AwsChunkedWrapper.
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(part if isinstance(part, bytes) else part.encode() for part in body)


def _header_value(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def is_aws_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host.endswith(AWS_HOST_SUFFIXES)


class Channel:
    """One connected stream socket to a mock account; thread-safe (s3transfer uses threads)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._reader = FrameReader(sock)
        self._broken = False

    def roundtrip(self, header: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
        with self._lock:
            if self._broken:
                raise ChannelClosed("mock AWS channel broke on an earlier request")
            try:
                send_frame(self.sock, header, body)
                return recv_frame(self._reader)
            except (OSError, ValueError):
                # A frame may be half read or written: never reuse the stream after that.
                self._broken = True
                raise

    def send_request(self, request: Any) -> Any:
        """Send a prepared botocore request and return the mock's `AWSResponse`."""
        from botocore.awsrequest import AWSResponse
        from botocore.exceptions import ConnectionClosedError

        if os.getpid() != self.pid:
            # A forked child would interleave frames with its parent on the shared socket.
            raise _blocked(
                request.url, "this process was forked; the mock channel belongs to its parent"
            )
        header = {
            "method": request.method,
            "url": request.url,
            "headers": [[k, _header_value(v)] for k, v in request.headers.items()],
        }
        payload = _body_bytes(request.body)
        if len(payload) > MAX_BODY_BYTES:  # refused here, so the stream stays in step
            message = f"The mock accepts request bodies up to {MAX_BODY_BYTES >> 20} MiB."
            xml = f"<Error><Code>EntityTooLarge</Code><Message>{message}</Message></Error>"
            return AWSResponse(
                request.url, 400, {"Content-Type": "application/xml"}, _RawBody(xml.encode())
            )
        try:
            reply, body = self.roundtrip(header, payload)
        except (OSError, ValueError) as exc:
            raise ConnectionClosedError(endpoint_url=request.url) from exc
        return AWSResponse(
            request.url, int(reply["status"]), dict(reply["headers"]), _RawBody(body)
        )

    def close(self) -> None:
        self.sock.close()


def _blocked(url: str, why: str = "") -> Exception:
    from botocore.exceptions import EndpointConnectionError

    exc = EndpointConnectionError(endpoint_url=url)
    exc.sandbox_reason = why or "network access is blocked in the sandbox"
    return exc


# ----------------------------------------------------------------------- sandbox-wide hook

_channel: Channel | None = None
_installed = False


def _guard_call(params: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    """`before-call`: fail fast (no retries) for non-AWS endpoints or when no mock is bound."""
    url = (params or {}).get("url", "")
    if _channel is None or not is_aws_host(url):
        raise _blocked(url)


def _send(request: Any = None, **_kwargs: Any) -> Any:
    """`before-send`: every request goes to the mock; nothing ever reaches the real network."""
    if _channel is None or not is_aws_host(request.url):
        raise _blocked(request.url)
    return _channel.send_request(request)


def preload() -> None:
    """Install the handlers once, before any botocore Session exists (idempotent)."""
    global _installed
    if _installed:
        return
    from botocore.handlers import BUILTIN_HANDLERS

    BUILTIN_HANDLERS.append(("before-call", _guard_call))
    BUILTIN_HANDLERS.append(("before-send", _send))
    # A boto3 default session made before preload() (e.g. while warming the zygote) never
    # read BUILTIN_HANDLERS; learner code's boto3.client() would use it, so hook it too.
    boto3 = sys.modules.get("boto3")
    default = getattr(boto3, "DEFAULT_SESSION", None)
    if default is not None:
        default._session.register("before-call", _guard_call)
        default._session.register("before-send", _send)
    _installed = True


def use_channel(fd: int) -> None:
    """Route this process's AWS calls over the connected stream socket `fd` (takes ownership)."""
    global _channel
    preload()
    _channel = Channel(socket.socket(fileno=fd))


def release_channel() -> None:
    """Forget the channel without closing its fd (the runtime closes the fds it passed in)."""
    global _channel
    if _channel is not None:
        _channel.sock.detach()
    _channel = None


def drop_channel() -> None:
    """Forget the channel: later calls fail like a blocked network again."""
    global _channel
    if _channel is not None:
        _channel.close()
    _channel = None


def attach_to_client(client: Any, sock: socket.socket) -> Any:
    """Route one botocore client (not the whole process) over `sock`; used on the trusted side."""
    channel = Channel(sock)
    client.meta.events.register_first(
        "before-send", lambda request=None, **_kw: channel.send_request(request)
    )
    client._lambdalab_channel = channel  # keep the socket alive as long as the client
    return client

"""Framed messages over stream sockets: a JSON header plus an opaque body, optional fds.

Both sides use this module: the host (trusted) and the runtime inside the sandbox
(untrusted). The host therefore parses incrementally, with hard size caps, and never blocks.
"""

from __future__ import annotations

import array
import json
import socket
import struct
from typing import Any

_PREFIX = struct.Struct(">II")  # header length, body length
MAX_HEADER = 64 * 1024


class ProtocolError(Exception):
    """The peer sent something that is not a valid frame (treated as a crash of the peer)."""


def encode(header: dict[str, Any], body: bytes = b"") -> bytes:
    raw = json.dumps(header, separators=(",", ":")).encode()
    return _PREFIX.pack(len(raw), len(body)) + raw + body


def send(
    sock: socket.socket, header: dict[str, Any], body: bytes = b"", fds: list[int] | None = None
) -> None:
    data = encode(header, body)
    if fds:
        sent = sock.sendmsg(
            [data[:4096]], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
        )
        data = data[sent:]
    if data:
        sock.sendall(data)


def recv_blocking(sock: socket.socket, max_body: int) -> tuple[dict[str, Any], bytes, list[int]]:
    """Read one frame (sandbox side). Returns header, body and any fds that came with it."""
    fds: list[int] = []
    prefix = b""
    while len(prefix) < _PREFIX.size:
        chunk, ancdata, _flags, _addr = sock.recvmsg(
            _PREFIX.size - len(prefix), socket.CMSG_SPACE(16 * 4)
        )
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                usable = len(payload) - len(payload) % 4
                fds.extend(array.array("i", payload[:usable]))
        if not chunk:
            raise EOFError("channel closed")
        prefix += chunk
    header_len, body_len = _PREFIX.unpack(prefix)
    if header_len > MAX_HEADER or body_len > max_body:
        raise ProtocolError("frame too large")
    header = json.loads(_recv_exact(sock, header_len))
    return header, _recv_exact(sock, body_len), fds


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    view = bytearray(size)
    got = 0
    while got < size:
        n = sock.recv_into(memoryview(view)[got:], size - got)
        if n == 0:
            raise EOFError("channel closed mid-frame")
        got += n
    return bytes(view)


class FrameParser:
    """Incremental, size-capped frame parser for the host side (untrusted peer)."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[dict[str, Any], bytes]]:
        self.buffer += data
        frames = []
        while len(self.buffer) >= _PREFIX.size:
            header_len, body_len = _PREFIX.unpack_from(self.buffer)
            if header_len > MAX_HEADER or body_len > self.max_body:
                raise ProtocolError("frame too large")
            end = _PREFIX.size + header_len + body_len
            if len(self.buffer) < end:
                break
            raw_header = bytes(self.buffer[_PREFIX.size : _PREFIX.size + header_len])
            body = bytes(self.buffer[_PREFIX.size + header_len : end])
            del self.buffer[:end]
            frames.append((_parse_header(raw_header), body))
        return frames


def _parse_header(raw: bytes) -> dict[str, Any]:
    try:
        header = json.loads(raw)
    except ValueError as exc:
        raise ProtocolError("bad header") from exc
    if not isinstance(header, dict):
        raise ProtocolError("bad header")
    return header

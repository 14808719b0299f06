"""Result channels whose reader knows which process wrote each byte, and the one-message framing.

A Unix stream socket with SO_PASSCRED on the reading end: the kernel attaches the writer's pid to every
chunk (SCM_CREDENTIALS) and never merges bytes of two writers into one read, so the reader keeps only
what the process it trusts wrote. Without SO_PASSCRED (macOS) the sender is not verified.
"""

from __future__ import annotations

import socket
import struct

VERIFIED = hasattr(socket, "SO_PASSCRED") and hasattr(socket, "SCM_CREDENTIALS")
HEADER = struct.Struct(">Q")
_UCRED = struct.Struct("iII")
CHUNK = 1 << 20


def socketpair() -> tuple[socket.socket, socket.socket]:
    """(reader, writer): the reader is non-blocking and receives the writers' credentials."""
    reader, writer = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    if VERIFIED:
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    reader.setblocking(False)
    return reader, writer


def receive(reader: socket.socket) -> tuple[bytes, int | None] | None:
    """One chunk and the pid of the process that wrote it (None: not verifiable here).

    Returns None at end of stream; raises BlockingIOError when nothing is waiting.
    """
    if not VERIFIED:
        data = reader.recv(CHUNK)
        return (data, None) if data else None
    data, ancillary, _, _ = reader.recvmsg(CHUNK, socket.CMSG_SPACE(_UCRED.size))
    if not data:
        return None
    pid = -1  # no credentials attached: trusted by nobody
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(payload) >= _UCRED.size:
            pid = _UCRED.unpack_from(payload)[0]
    return data, pid


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def unframe(data: bytes) -> bytes:
    """The one message in ``data``; ValueError unless ``data`` is exactly one complete frame."""
    if len(data) < HEADER.size:
        raise ValueError(f"{len(data)} bytes, shorter than a frame header")
    (size,) = HEADER.unpack_from(data)
    if len(data) != HEADER.size + size:
        raise ValueError(f"a frame of {size} bytes in {len(data) - HEADER.size} bytes (a second message?)")
    return data[HEADER.size :]

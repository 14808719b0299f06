"""Append-only JSONL run files: one record per problem, written and synced as soon as it is finished.

A run killed at any point (Ctrl-C, kill -9, a crash) resumes where it stopped: finished records are kept, a
half-written last line is cut off, and nothing is done twice. One process at a time writes a run file: it
holds an OS lock on ``FILE.lock`` beside it, which the OS releases when the process ends, however it ends.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from optagent.errors import InputError, OptagentError

SCHEMA = 2  # 2: dataset_hash is the whole dataset's, subset_ids the problems selected (1: the subset's hash)
IDENTITY = ("dataset", "dataset_hash", "model", "prompt_version", "mode")
MIN_FREE_BYTES = 10 * 2**20  # a run needs room for its records (10-50 KB each)
_PROBE_BYTES = 64 * 2**10


class RunFile:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def records(self) -> list[dict[str, Any]]:
        """Every complete record; a torn last line (the process died mid-write) is removed from the file."""
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(keep)
            data = data[:keep]
        out = []
        for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                raise InputError(
                    f"{self.path}:{number} is not a run record", hint="is this a run file?"
                ) from None
        return out

    def check_identity(self, identity: dict[str, Any], subset_hash: str | None = None) -> None:
        """Refuse to mix runs: a resumed run must have the same dataset, model, prompts and mode.

        Records of schema 1 hashed only the problems selected (``--limit``, ``--ids``); ``subset_hash``, that
        hash of the problems run now, lets such files resume."""
        for record in self.records()[:1]:
            expected = dict(identity)
            if record.get("schema", 1) < 2 and record.get("dataset_hash") == subset_hash:
                expected["dataset_hash"] = subset_hash
            different = {
                k: (record.get(k), expected.get(k)) for k in IDENTITY if record.get(k) != expected.get(k)
            }
            if different:
                detail = ", ".join(f"{k}: {a!r} in the file, {b!r} now" for k, (a, b) in different.items())
                raise InputError(
                    f"{self.path} belongs to another run ({detail})",
                    hint="use another --out file, or the same settings to resume",
                )

    def check_writable(self) -> None:
        """Before any work: the folder exists or can be made, takes a write, and has room for records."""
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".{self.path.name}.{os.getpid()}.probe"
            try:
                with probe.open("wb") as handle:
                    handle.write(b"\0" * _PROBE_BYTES)
                    handle.flush()
                    os.fsync(handle.fileno())
            finally:
                probe.unlink(missing_ok=True)
            if self.path.exists():
                self.path.open("ab").close()
        except OSError as exc:
            raise _write_error(self.path, exc, "before the first problem") from None
        free = shutil.disk_usage(folder).free
        if free < MIN_FREE_BYTES:
            raise InputError(
                f"the disk of {folder} has {free / 2**20:.1f} MB free; a run needs at least "
                f"{MIN_FREE_BYTES // 2**20} MB for its records",
                hint="free some space, or write the run elsewhere with --out",
            )

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the run file for this process: refused at once while another process holds it."""
        self.check_writable()
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            handle = lock_path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise _write_error(lock_path, exc, "before the first problem") from None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise InputError(
                    f"another run is writing {self.path} (process {holder})",
                    hint="wait until it ends (or stop it), or write this run elsewhere with --out",
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield  # the lock ends with the handle, or with the process

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps({"schema": SCHEMA, **record}, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(line)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise _write_error(self.path, exc, "mid-run; the finished records are kept") from None


def _write_error(path: Path, exc: OSError, when: str) -> OptagentError:
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return InputError(
        f"cannot write {path} ({when}): {reason}",
        hint="make room or fix the permissions, or write the run elsewhere with --out; rerun to resume",
    )

"""Append-only JSONL run files: one record per problem, written and synced as soon as it is finished.

A run killed at any point (Ctrl-C, kill -9, a crash) resumes where it stopped: finished records are kept, a
half-written last line is cut off, and nothing is done twice.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from optagent.errors import InputError

SCHEMA = 1
IDENTITY = ("dataset", "dataset_hash", "model", "prompt_version", "mode")


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

    def check_identity(self, identity: dict[str, Any]) -> None:
        """Refuse to mix runs: a resumed run must have the same dataset, model, prompts and mode."""
        for record in self.records()[:1]:
            different = {
                k: (record.get(k), identity.get(k)) for k in IDENTITY if record.get(k) != identity.get(k)
            }
            if different:
                detail = ", ".join(f"{k}: {a!r} in the file, {b!r} now" for k, (a, b) in different.items())
                raise InputError(
                    f"{self.path} belongs to another run ({detail})",
                    hint="use another --out file, or the same settings to resume",
                )

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps({"schema": SCHEMA, **record}, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())

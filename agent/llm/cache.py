"""Content-addressed response cache in SQLite: reruns and re-scoring cost no LLM calls.

Keyed by model + messages + parameters (``LLMRequest.cache_key``). On by default for temperature 0;
samples at higher temperature are cached too when ``all_temperatures`` (each has its own ``sample``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path

from optagent.agent.llm.types import LLM, LLMRequest, LLMResponse


def default_cache_path() -> Path:
    root = (
        os.environ.get("OPTAGENT_CACHE_DIR")
        or os.environ.get("XDG_CACHE_HOME")
        or str(Path.home() / ".cache")
    )
    return Path(root) / "optagent" / "llm-cache.sqlite"


class ResponseCache:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses "
            "(key TEXT PRIMARY KEY, model TEXT, response TEXT, created REAL)"
        )
        self._db.commit()

    def get(self, key: str) -> LLMResponse | None:
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return LLMResponse.from_dict(json.loads(row[0])) if row else None

    def put(self, key: str, model: str, response: LLMResponse) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?)",
                (key, model, json.dumps(response.to_dict()), time.time()),
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CachedLLM:
    """Wraps a backend; a hit returns the stored reply with ``cached=True``, no latency and no cost."""

    def __init__(self, inner: LLM, cache: ResponseCache, *, all_temperatures: bool = False) -> None:
        self.inner = inner
        self.cache = cache
        self.model_id = inner.model_id
        self.all_temperatures = all_temperatures
        self.hits = 0
        self.misses = 0

    def complete(self, request: LLMRequest) -> LLMResponse:
        if request.temperature > 0 and not self.all_temperatures:
            return self.inner.complete(request)
        key = request.cache_key(self.model_id)
        hit = self.cache.get(key)
        if hit is not None:
            self.hits += 1
            return replace(hit, cached=True, latency_s=0.0, cost_usd=0.0)
        self.misses += 1
        response = self.inner.complete(request)
        self.cache.put(key, self.model_id, response)
        return response

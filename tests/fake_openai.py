"""A small OpenAI-compatible server on 127.0.0.1 with scripted replies: tests use the real client over HTTP.

Replies are chosen by the step a prompt belongs to (recognised from the prompt text). A reply item is the
assistant's text, or a dict: {"status": 429|500, "retry_after": S} for an error, {"sleep": S, "text": ...}
to answer late, {"raw": "..."} for a body that is not JSON.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STEP_MARKERS = {
    "lean": "Model this optimization problem in one answer",
    "formulate": "Write the model of this optimization problem",
    "repair_formulation": "Your formulation of the problem below has to be corrected",
    "code_from_text": "Solve this optimization problem with one Python program",
    "code_from_ir": "that implements exactly this formulation",
    "repair_code": "Your program for the problem below has to be corrected",
    "reconcile": "A formulation and an independently written program of the same problem disagree",
    "chat_turn": "A user is working with you",
}


def step_of(prompt: str) -> str:
    return next((step for step, marker in STEP_MARKERS.items() if marker in prompt), "unknown")


class FakeOpenAI:
    def __init__(self, replies: dict[str, list[Any]]) -> None:
        self.replies = {k: list(v) for k, v in replies.items()}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                    prompt = str(body["messages"][-1]["content"])
                except (ValueError, KeyError, IndexError, TypeError):
                    body, prompt = {"model": "?"}, ""  # still recorded: someone reached the server
                step = step_of(prompt)
                with server.lock:
                    server.requests.append({"step": step, "body": body, "prompt": prompt})
                    queue = server.replies.get(step) or []
                    item = (
                        queue.pop(0) if queue else {"status": 500, "message": f"no scripted reply for {step}"}
                    )
                if isinstance(item, dict) and "sleep" in item:
                    time.sleep(item["sleep"])
                    item = item.get("text", "")
                if isinstance(item, dict) and "raw" in item:
                    self._send(200, item["raw"].encode(), "application/json")
                    return
                if isinstance(item, dict) and "status" in item:
                    error = {
                        "error": {"message": item.get("message", "scripted error"), "type": "server_error"}
                    }
                    headers = {"Retry-After": str(item["retry_after"])} if "retry_after" in item else {}
                    self._send(item["status"], json.dumps(error).encode(), "application/json", headers)
                    return
                reply = {
                    "id": f"chatcmpl-{len(server.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": item},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": len(prompt) // 4,
                        "completion_tokens": len(item) // 4,
                        "total_tokens": (len(prompt) + len(item)) // 4,
                    },
                }
                self._send(200, json.dumps(reply).encode(), "application/json")

            def _send(self, code: int, data: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def steps(self) -> list[str]:
        return [r["step"] for r in self.requests]

    def prompts(self, step: str) -> list[str]:
        return [r["prompt"] for r in self.requests if r["step"] == step]

"""The chat in a real terminal (a pseudo-terminal): line editing, recalled history, Tab completion, undo."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

import pytest
from agent_fixtures import FORMULATION_JSON, PROBLEM
from chat_fixtures import NO_GAPS, what_if
from cli_helpers import EXE

ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>()][0-9A-B]?|\r")
UP, TAB, ENTER, CTRL_D = "\x1b[A", "\t", "\r", "\x04"


class Terminal:
    """A program on a pseudo-terminal: keys in, the screen text (escape sequences removed) out."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 140, 0, 0))
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
        )
        os.close(slave)
        self.raw = b""
        self.seen = 0  # screen text up to here has been matched already

    def text(self) -> str:
        return ESCAPES.sub("", self.raw.decode("utf-8", errors="replace"))

    def read(self, wait: float) -> None:
        ready, _, _ = select.select([self.master], [], [], wait)
        if ready:
            try:
                self.raw += os.read(self.master, 65536)
            except OSError:  # the program has exited and the terminal is closed
                time.sleep(wait)

    def expect(self, text: str, timeout: float = 60) -> str:
        """Wait until ``text`` appears after what was matched before; return the screen text up to it."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.text()
            found = screen.find(text, self.seen)
            if found >= 0:
                part, self.seen = screen[self.seen : found + len(text)], found + len(text)
                return part
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear; the terminal shows:\n{screen[-3000:]}")
            self.read(0.2)

    def type(self, keys: str) -> None:
        for key in keys:  # one key at a time, as a person types (prompt_toolkit sees each keypress)
            os.write(self.master, key.encode())
            time.sleep(0.002)

    def close(self, timeout: float = 60) -> int:
        """Wait for the program to end, reading what it still writes (a full terminal would block it)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.read(0.1)
        os.close(self.master)
        return self.proc.wait(timeout=5)


@pytest.mark.slow
def test_chat_in_a_terminal_edits_recalls_completes_and_undoes(tmp_path):
    replies = {
        "missing_data": [NO_GAPS, NO_GAPS],
        "formulate": [FORMULATION_JSON],
        "chat_turn": [what_if(500)],
    }
    script = tmp_path / "replies.json"
    script.write_text(json.dumps({"by_tag": replies}))
    history = tmp_path / "state" / "history"
    env = {
        **os.environ,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "OPTAGENT_CACHE_DIR": str(tmp_path),
        "COLUMNS": "140",
    }
    args = [EXE, "chat", "--mode", "ir", "--model", f"scripted:{script}", "--history-file", str(history)]
    term = Terminal(args, env, str(tmp_path))
    try:
        term.expect("you>")
        term.type(PROBLEM + ENTER)
        term.expect("scenario base")
        term.expect("you>")  # type only once the prompt is back, as a person does
        term.type("what if we had 400 carpentry hours?")
        term.type("\x7f" * len("400 carpentry hours?") + "500 carpentry hours?" + ENTER)  # Backspace edits
        term.expect("Objective 2300, was 2200 (+100).")
        term.expect("you>")
        term.type("/scen" + TAB)  # Tab completes the command
        term.expect("/scenarios")
        term.type(ENTER)
        term.expect("*  carpentry+100  2300")
        term.expect("you>")
        term.type(UP + ENTER)  # the Up arrow recalls the last line
        term.expect("*  carpentry+100  2300")
        term.expect("you>")
        term.type("/und" + TAB)
        term.expect("/undo")
        term.type(ENTER)
        term.expect("now at scenario base: objective 2200 (optimal, solved)")
        term.expect("you>")
        term.type(CTRL_D)
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    screen = term.text()
    assert "^[[A" not in screen and "Traceback" not in screen
    kept = history.read_text()
    assert "what if we had 500 carpentry hours?" in kept and "/scenarios" in kept and "/undo" in kept

"""Write examples/replays/mini.json: recorded replies for `optagent bench run examples/bench/mini.jsonl`.

The replies are the formulations (examples/bench/mini/ID.json) and programs (ID.py) written for the five
problems of mini.jsonl, matched to each problem by its text, so the run replays offline in any order:

    python scripts/mini_replay.py            # rewrites the file; tests check it is up to date
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "examples" / "bench" / "mini.jsonl"
SOURCES = ROOT / "examples" / "bench" / "mini"
REPLAY = ROOT / "examples" / "replays" / "mini.json"
SNIPPET = 160  # the start of a problem's text identifies it in every prompt


def build() -> dict[str, Any]:
    rules = []
    for line in PROBLEMS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = row["question"].strip()[:SNIPPET]
        formulation = json.loads((SOURCES / f"{row['id']}.json").read_text(encoding="utf-8"))
        program = (SOURCES / f"{row['id']}.py").read_text(encoding="utf-8")
        replies = {
            "formulate": json.dumps(formulation, indent=1),
            "repair_formulation": json.dumps(formulation, indent=1),
            "code_from_text": f"```python\n{program}```",
            "repair_code": f"```python\n{program}```",
        }
        rules += [{"tag": tag, "contains": text, "reply": reply} for tag, reply in replies.items()]
    return {
        "_about": "Replies for examples/bench/mini.jsonl, written by scripts/mini_replay.py from "
        "examples/bench/mini/; replayed offline with --model scripted:examples/replays/mini.json.",
        "rules": rules,
    }


def main() -> int:
    REPLAY.write_text(json.dumps(build(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {REPLAY.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The modeling graph: nodes wired by mode, named routes, an attempt budget that always ends the run.

formulate (or lean) -> solve_ir -> readings --------------------\\
                  write_code -> run_code ----------------------> diagnose -> finish
                      ^             ^   repair / more time / reconcile   |
                      \\-------------\\-----------------------------------/

``full``: the program is written from the problem text alone (independent of the formulation); ``code``: the
program only; ``ir``: the formulation only; ``five-element``: the program from the formulation; ``lean``: one
reply with both.
"""

from __future__ import annotations

import functools
from typing import Any

from langgraph.graph import END, START, StateGraph

from optagent.agent.deps import Deps
from optagent.agent.nodes.diagnose import diagnose
from optagent.agent.nodes.finish import finish
from optagent.agent.nodes.formulate import formulate
from optagent.agent.nodes.lean import lean
from optagent.agent.nodes.readings import readings
from optagent.agent.nodes.reconcile import reconcile
from optagent.agent.nodes.run_code import run_code
from optagent.agent.nodes.solve_ir import solve_ir
from optagent.agent.nodes.write_code import write_code
from optagent.agent.state import AgentState

NODES = {
    "formulate": formulate,
    "lean": lean,
    "solve_ir": solve_ir,
    "readings": readings,
    "write_code": write_code,
    "run_code": run_code,
    "diagnose": diagnose,
    "reconcile": reconcile,
    "finish": finish,
}


def first(state: AgentState, deps: Deps) -> str:
    mode = deps.config.mode
    return "lean" if mode == "lean" else "write_code" if mode == "code" else "formulate"


def after_formulate(state: AgentState, deps: Deps) -> str:
    """A valid formulation goes on (after the unused-numbers feedback, once); an invalid one is repaired while
    budget lasts; then the program path may still answer on its own."""
    if state.get("formulation") is not None:
        if state.get("fix") == "numbers" and state.get("feedback"):
            return "formulate"
        return "readings" if deps.config.mode == "five-element" else "solve_ir"
    if state.get("repairs", 0) < deps.config.budget:
        return "formulate"
    if state.get("code") is not None and not state.get("code_result"):
        return "run_code"  # lean: the program of the same reply
    if deps.config.mode == "full" and not state.get("code_result"):
        return "write_code"
    return "diagnose"


def after_readings(state: AgentState, deps: Deps) -> str:
    if not deps.config.uses_code or state.get("code_result") is not None:
        return "diagnose"
    if state.get("code") is not None and state.get("fix") != "code":
        return "run_code"
    return "write_code"


def after_write_code(state: AgentState, deps: Deps) -> str:
    return "run_code" if state.get("code") else "diagnose"


def by_route(state: AgentState, deps: Deps) -> str:
    return state.get("route") or "finish"


ROUTES: dict[str, tuple[Any, list[str]]] = {
    "formulate": (
        after_formulate,
        ["formulate", "solve_ir", "readings", "write_code", "run_code", "diagnose"],
    ),
    "lean": (after_formulate, ["formulate", "solve_ir", "readings", "write_code", "run_code", "diagnose"]),
    "readings": (after_readings, ["write_code", "run_code", "diagnose"]),
    "write_code": (after_write_code, ["run_code", "diagnose"]),
    "diagnose": (by_route, ["finish", "formulate", "write_code", "reconcile", "solve_ir", "run_code"]),
    "reconcile": (by_route, ["solve_ir", "formulate", "run_code", "readings", "diagnose"]),
}


def build_graph(deps: Deps) -> Any:
    graph = StateGraph(AgentState)
    for name, node in NODES.items():
        graph.add_node(name, functools.partial(node, deps=deps))
    graph.add_conditional_edges(
        START, functools.partial(first, deps=deps), ["formulate", "lean", "write_code"]
    )
    for name, (router, targets) in ROUTES.items():
        graph.add_conditional_edges(name, functools.partial(router, deps=deps), {t: t for t in targets})
    graph.add_edge("solve_ir", "readings")
    graph.add_edge("run_code", "diagnose")
    graph.add_edge("finish", END)
    return graph.compile()

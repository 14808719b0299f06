"""The modeling graph: nodes wired by mode, named routes, an attempt budget that always ends the run.

understand -> formulate -> solve_ir ----------------\\
          \\-> write_code -> run_code --------------> diagnose -> finish
                                  ^   repair / reconcile   |
                                  \\-----------------------/
"""

from __future__ import annotations

import functools
from typing import Any

from langgraph.graph import END, START, StateGraph

from optagent.agent.deps import Deps
from optagent.agent.nodes.diagnose import diagnose
from optagent.agent.nodes.finish import finish
from optagent.agent.nodes.formulate import formulate
from optagent.agent.nodes.reconcile import reconcile
from optagent.agent.nodes.run_code import run_code
from optagent.agent.nodes.solve_ir import solve_ir
from optagent.agent.nodes.understand import understand
from optagent.agent.nodes.write_code import write_code
from optagent.agent.state import AgentState

NODES = {
    "understand": understand,
    "formulate": formulate,
    "solve_ir": solve_ir,
    "write_code": write_code,
    "run_code": run_code,
    "diagnose": diagnose,
    "reconcile": reconcile,
    "finish": finish,
}


def after_understand(state: AgentState, deps: Deps) -> str:
    return "formulate" if deps.config.uses_ir else "write_code"


def after_formulate(state: AgentState, deps: Deps) -> str:
    """A valid formulation goes on; an invalid one is repaired while budget lasts."""
    if state.get("formulation") is not None:
        return "write_code" if deps.config.mode == "five-element" else "solve_ir"
    if state.get("repairs", 0) < deps.config.budget:
        return "formulate"
    if deps.config.mode == "full" and not state.get("code_result"):
        return "write_code"  # the program path may still answer on its own
    return "diagnose"


def after_solve_ir(state: AgentState, deps: Deps) -> str:
    if deps.config.mode == "full" and state.get("code") is None and state.get("code_result") is None:
        return "write_code"
    return "diagnose"


def after_write_code(state: AgentState, deps: Deps) -> str:
    return "run_code" if state.get("code") else "diagnose"


def by_route(state: AgentState, deps: Deps) -> str:
    return state.get("route") or "finish"


ROUTES: dict[str, tuple[Any, list[str]]] = {
    "understand": (after_understand, ["formulate", "write_code"]),
    "formulate": (after_formulate, ["write_code", "solve_ir", "formulate", "diagnose"]),
    "solve_ir": (after_solve_ir, ["write_code", "diagnose"]),
    "write_code": (after_write_code, ["run_code", "diagnose"]),
    "diagnose": (by_route, ["finish", "formulate", "write_code", "reconcile"]),
    "reconcile": (by_route, ["solve_ir", "formulate", "run_code", "diagnose"]),
}


def build_graph(deps: Deps) -> Any:
    graph = StateGraph(AgentState)
    for name, node in NODES.items():
        graph.add_node(name, functools.partial(node, deps=deps))
    graph.add_edge(START, "understand")
    for name, (router, targets) in ROUTES.items():
        graph.add_conditional_edges(name, functools.partial(router, deps=deps), {t: t for t in targets})
    graph.add_edge("run_code", "diagnose")
    graph.add_edge("finish", END)
    return graph.compile()

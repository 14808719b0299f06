"""LLM-driven search for SMTT heuristics (EoH operators, FunSearch islands), every candidate sandboxed.

The LLM evolves a constructive rule and the improvement step after it (:mod:`.template`); candidates are
scored by the ratio-of-sums gap to proven optima of generated training instances under a per-instance CPU
budget that the evaluator enforces (:mod:`.training`, :mod:`.evaluator`, :mod:`.fitness`); the search is
logged and resumable (:mod:`.journal`, :mod:`.search`); results are reported as a Pareto front of gap
against time beside the classic rules and an ILS at the same budgets (:mod:`.pareto`). Evaluation runs in
the local sandbox pool or on Ray (:mod:`.ray_executor`).
"""

from optagent.benchmarks.smtt.discovery.evaluator import Evaluation, Evaluator
from optagent.benchmarks.smtt.discovery.journal import Candidate
from optagent.benchmarks.smtt.discovery.search import Discovery, Settings
from optagent.benchmarks.smtt.discovery.training import TrainingSet, TrainingSpec, load_training

__all__ = [
    "Candidate",
    "Discovery",
    "Evaluation",
    "Evaluator",
    "Settings",
    "TrainingSet",
    "TrainingSpec",
    "load_training",
]

"""Run untrusted solver programs and heuristics in isolation, with a structured result contract."""

from optagent.sandbox.executor import ColdExecutor, Executor, WorkerPool, run_program
from optagent.sandbox.isolation import IsolationReport, detect
from optagent.sandbox.job import Contract, Job
from optagent.sandbox.limits import Limits
from optagent.sandbox.result import ErrorInfo, ExecStatus, ExecutionResult, HeuristicOutput, Solution

__all__ = [
    "ColdExecutor",
    "Contract",
    "ErrorInfo",
    "ExecStatus",
    "ExecutionResult",
    "Executor",
    "HeuristicOutput",
    "IsolationReport",
    "Job",
    "Limits",
    "Solution",
    "WorkerPool",
    "detect",
    "run_program",
]

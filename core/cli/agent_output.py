"""Showing an agent run: live steps while it works, then the model, verdict, solution and accounting."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from optagent.cli.output import console, err_console, solution_table

_COLORS = {"ok": "green", "answer": "green", "invalid": "yellow", "error": "red", "give-up": "red"}


def run_with_progress(text: str, llm: Any, *, samples: int = 1, quiet: bool = False, **options: Any) -> Any:
    """Run the agent; print each step as it finishes (to stderr, so --json output stays clean)."""
    from optagent.agent import Answer, solve, stream

    if samples > 1:
        with err_console.status(f"solving ({samples} samples)...", spinner="dots"):
            return solve(text, llm=llm, samples=samples, **options)
    answer = None
    with err_console.status("reading the problem...", spinner="dots") as status:
        for item in stream(text, llm=llm, **options):
            if isinstance(item, Answer):
                answer = item
                continue
            if not quiet:
                color = _COLORS.get(item.outcome, "yellow")
                cached = " (cached)" if item.llm and item.llm.cached else ""
                err_console.print(
                    f"[{color}]{item.node}[/] {escape(item.outcome)}: {escape(item.summary)}{cached}",
                    highlight=False,
                )
            status.update(f"{item.node} done; working...")
    return answer


def print_answer(answer: Any, *, all_values: bool = False, verbose: bool = False) -> None:
    from optagent.formulations.numtext import number_text

    if answer.model_text:
        console.print(escape(answer.model_text), highlight=False)
    color = {"agreed": "green", "solved": "green", "ambiguous": "yellow", "disputed": "yellow"}
    verdict = f"[bold {color.get(answer.verdict, 'red')}]{answer.verdict}[/]"
    console.print(f"\n{verdict}  {escape(answer.explanation)}", soft_wrap=True)
    if answer.objective is not None and answer.values:
        console.print(solution_table(answer, show_zero=all_values))
    elif answer.program_values:
        for name, value in list(answer.program_values.items())[:40]:
            console.print(f"  {escape(name)} = {number_text(value, 6)}")
    for name, value in answer.quantities.items():
        console.print(f"  {escape(name)}: {number_text(value, 10)}", highlight=False)
    if len(answer.readings) > 1:
        console.print("readings:")
        for reading in answer.readings:
            value = number_text(reading.objective, 10) if reading.objective is not None else reading.status
            proven = "" if reading.proven_optimal or reading.objective is None else " (not proven optimal)"
            console.print(f"  {value}{proven}  {escape(reading.text)}", highlight=False, soft_wrap=True)
    for check in answer.checks:
        console.print(f"[dim]checked {escape(check)}[/]", soft_wrap=True, highlight=False)
    for note in answer.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    if verbose:
        for step in answer.steps:
            console.print(escape(step.render()), highlight=False)
    cost = f"${answer.cost_usd:.4f}" if answer.cost_usd is not None else "cost unknown"
    console.print(
        f"[dim]model {escape(answer.model)}, mode {answer.mode}, prompts {answer.prompt_version}; "
        f"{answer.llm_calls} LLM calls ({answer.cached_calls} cached), "
        f"{answer.prompt_tokens}+{answer.completion_tokens} tokens, {cost}, {answer.seconds:.1f} s[/]"
    )

"""Markdown reports in the terminal, rendered by rich: tables as tables, headings left-aligned and unboxed,
inline code styled; never the Markdown source."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Heading, Markdown
from rich.text import Text


class _Heading(Heading):
    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        self.text.justify = "left"
        yield Text("")
        yield self.text


class ReportMarkdown(Markdown):
    """rich's Markdown with left-aligned, unboxed headings."""

    elements: ClassVar[dict[str, type[Any]]] = {**Markdown.elements, "heading_open": _Heading}

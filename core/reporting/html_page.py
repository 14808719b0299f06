"""Self-contained HTML pages from the Markdown the reports write, rendered by markdown-it-py (CommonMark with
GFM tables); raw HTML in the Markdown is escaped, never passed through."""

from __future__ import annotations

import html
from functools import lru_cache

from markdown_it import MarkdownIt

STYLE = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:14px;"
    "vertical-align:top}code,pre{background:#f4f4f4}pre{padding:6px;overflow-x:auto;white-space:pre-wrap;"
    "font-size:13px}details{margin:4px 0}summary{cursor:pointer}figcaption{font-size:13px;color:#444}"
)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_html(text: str) -> str:
    """HTML of a Markdown document (tables included; raw HTML escaped)."""
    return _parser().render(text)


def markdown_page(
    title: str,
    text: str,
    image: str | None = None,
    alt: str = "plot",
    *,
    caption: str = "",
    appendix: str = "",
) -> str:
    """A page of the Markdown ``text``; ``image`` (base64 PNG, with ``caption``) goes after the first heading,
    ``appendix`` (HTML the caller escaped) after the text."""
    body = markdown_html(text)
    if image:
        figure = (
            f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{image}">'
            + (f"<figcaption>{html.escape(caption)}</figcaption>" if caption else "")
            + "</figure>"
        )
        end = body.find("</h1>")
        body = body[: end + 5] + figure + body[end + 5 :] if end >= 0 else figure + body
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{body}{appendix}</body></html>\n"
    )

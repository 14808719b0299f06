"""A self-contained HTML page from the Markdown the reports write (headings, bullets, tables, one image)."""

from __future__ import annotations

import html

STYLE = (
    "body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse;"
    "margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:14px}"
)


def markdown_page(title: str, text: str, image: str | None = None, alt: str = "plot") -> str:
    """Render the Markdown subset the reports use; ``image`` (base64 PNG) goes after the first line."""
    body: list[str] = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            if set("".join(cells)) <= {"-"}:
                continue
            tag = "td" if in_table else "th"
            opening = "" if in_table else "<table>"
            body.append(opening + "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
            in_table = True
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("- "):
            body.append(f"<p>&bull; {html.escape(line[2:])}</p>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        body.append("</table>")
    if image:
        body.insert(1, f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{image}">')
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )

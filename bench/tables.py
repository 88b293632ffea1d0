"""The one Markdown table the benches print (and the README quotes)."""

from __future__ import annotations


def grid(lines: list[tuple]) -> str:
    """Rows of strings, the first the header, as a Markdown table with aligned columns."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)

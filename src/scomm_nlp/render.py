"""Plain-text rendering of an Analysis for the terminal."""

from __future__ import annotations

from scomm_nlp.results import Analysis


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])


def _clip(text: str, width: int = 90) -> str:
    """One line of at most ``width`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 3] + "..."


def format_analysis(result: Analysis) -> str:
    """Entities, stances and positions as aligned text tables."""
    parts = [f"Entities ({len(result.entities)})"]
    parts.append(_table(["text", "label", "start", "end", "canonical", "kb_id"],
                        [[e.text, e.label, str(e.start), str(e.end), e.canonical, e.kb_id or "-"]
                         for e in result.entities]))
    parts.append("")
    parts.append(f"Stances ({len(result.stances)})")
    parts.append(_table(["actor", "type", "target", "score", "resolved", "evidence"],
                        [[s.actor.canonical, s.type, s.target.canonical, f"{s.score:.2f}", "yes" if s.resolved else "",
                          _clip(s.evidence.text)] for s in result.stances]))
    positions = result.positions()
    parts.append("")
    parts.append(f"Positions ({len(positions)})")
    parts.append(_table(["actor", "type", "target", "count", "max score", "best evidence"],
                        [[p.actor, p.type, p.target, str(p.count), f"{p.max_score:.2f}", _clip(p.evidence)]
                         for p in positions]))
    return "\n".join(parts)

"""One article as HTML: entities highlighted in their label colours, stances listed and linked to the spans.

The markup is our own (displaCy's look: a coloured ``<mark>`` with a label chip) because each span needs an anchor
id, a hover title with the canonical name and KB id, and links to the stances it takes part in. All text is escaped.
"""

from __future__ import annotations

from scomm_nlp import scheme
from scomm_nlp.results import Analysis, Entity, Stance
from scomm_nlp.viz.html import BASE_CSS, esc
from scomm_nlp.viz.html import page as html_page

FALLBACK_COLOR = "#dddddd"

CSS = """
.scomm-view .text { white-space: pre-wrap; font-size: 1rem; line-height: 2.1; padding: .5rem 0; }
.scomm-view mark.ent { padding: .15em .35em; border-radius: .35em; line-height: 1; color: inherit; }
.scomm-view mark.ent:target, .scomm-view mark.ent.hl { outline: 3px solid #1d1d1f; }
.scomm-view .ent-label { font-size: .65em; font-weight: 700; margin-left: .4em; text-transform: uppercase;
  vertical-align: middle; }
.scomm-view a.ent-ref { font-size: .65em; font-weight: 700; margin-left: .25em; vertical-align: super;
  text-decoration: none; color: #1d1d1f; }
.scomm-view ol.stances { padding-left: 1.5rem; }
.scomm-view li.stance { margin: .5rem 0; }
.scomm-view li.stance:target { background: #fff6d5; }
.scomm-view .evidence { margin: .2rem 0 0; padding-left: .75rem; border-left: 3px solid #ccc; color: #333; }
.scomm-view .surface { color: #666; font-size: .85em; }
.scomm-view .score { color: #555; font-size: .85em; }
"""

# Outline the actor and target marks while the pointer is on a stance; the page works without it.
SCRIPT = """
document.querySelectorAll("li.stance").forEach(function (item) {
  var ids = [item.dataset.actor, item.dataset.target].filter(Boolean);
  function mark(on) { ids.forEach(function (id) { var el = document.getElementById(id);
    if (el) { el.classList.toggle("hl", on); } }); }
  item.addEventListener("mouseenter", function () { mark(true); });
  item.addEventListener("mouseleave", function () { mark(false); });
});
"""


def _color(label: str) -> str:
    return scheme.COLORS.get(label, FALLBACK_COLOR)


def _key(ent: Entity) -> tuple[int, int, str]:
    return (ent.start, ent.end, ent.label)


def _placed_entities(analysis: Analysis) -> list[Entity]:
    """Entities with valid offsets, in text order; a span overlapping an earlier (longer-first) one is left out."""
    size = len(analysis.text)
    placed: list[Entity] = []
    end = 0
    for ent in sorted(analysis.entities, key=lambda e: (e.start, -e.end)):
        if 0 <= ent.start < ent.end <= size and ent.start >= end:
            placed.append(ent)
            end = ent.end
    return placed


def _hover(ent: Entity) -> str:
    return f"{ent.canonical} ({ent.kb_id})" if ent.kb_id else f"{ent.canonical} (no knowledge-base id)"


def _text_html(text: str, placed: list[Entity], anchors: dict, refs: dict[str, list[int]]) -> str:
    out: list[str] = []
    pos = 0
    for ent in placed:
        anchor = anchors[_key(ent)]
        out.append(esc(text[pos:ent.start]))
        links = "".join(f'<a class="ent-ref" href="#stance-{n}" title="stance {n}">{n}</a>'
                        for n in refs.get(anchor, []))
        out.append(f'<mark class="ent" id="{anchor}" data-label="{esc(ent.label)}" '
                   f'style="background: {_color(ent.label)}" title="{esc(_hover(ent))}">'
                   f'{esc(text[ent.start:ent.end])}<span class="ent-label">{esc(ent.label)}</span></mark>{links}')
        pos = ent.end
    out.append(esc(text[pos:]))
    return "".join(out)


def _argument(ent: Entity, anchor: str | None) -> str:
    name = esc(ent.canonical)
    surface = f' <span class="surface">("{esc(ent.text)}")</span>' if ent.text != ent.canonical else ""
    label = f'<span class="chip" style="background: {_color(ent.label)}">{esc(ent.label)}</span>'
    body = f'{label}<a href="#{anchor}" title="{esc(_hover(ent))}">{name}</a>' if anchor else \
        f'{label}<span title="{esc(_hover(ent))}">{name}</span>'
    return body + surface


def _stance_item(n: int, stance: Stance, anchors: dict) -> str:
    actor, target = anchors.get(_key(stance.actor)), anchors.get(_key(stance.target))
    resolved = ' <span class="note">(resolved from an earlier mention)</span>' if stance.resolved else ""
    return (f'<li class="stance" id="stance-{n}" data-type="{esc(stance.type)}" data-actor="{actor or ""}" '
            f'data-target="{target or ""}">{_argument(stance.actor, actor)} '
            f'<span class="rel" style="background: {_color(stance.type)}">&rarr; {esc(stance.type)} &rarr;</span> '
            f'{_argument(stance.target, target)} <span class="score">score {stance.score:.2f}</span>{resolved}'
            f'<blockquote class="evidence">{esc(stance.evidence.text)}</blockquote></li>')


def _positions_table(analysis: Analysis) -> str:
    rows = analysis.positions()
    if not rows:
        return ""
    body = "".join(f"<tr><td>{esc(p.actor)}</td><td>{esc(p.type)}</td><td>{esc(p.target)}</td>"
                   f"<td>{p.count}</td><td>{p.max_score:.2f}</td></tr>" for p in rows)
    return ('<h2>Positions</h2><table class="positions"><thead><tr><th>actor</th><th>stance</th><th>target</th>'
            f"<th>count</th><th>max score</th></tr></thead><tbody>{body}</tbody></table>")


def render_fragment(analysis: Analysis, title: str | None = None) -> str:
    """The view as a ``<div class="scomm-view">`` with its own style (for notebooks and embedding); no script."""
    placed = _placed_entities(analysis)
    anchors = {_key(ent): f"ent-{i}" for i, ent in enumerate(placed)}
    refs: dict[str, list[int]] = {}
    for n, stance in enumerate(analysis.stances, start=1):
        for ent in (stance.actor, stance.target):
            anchor = anchors.get(_key(ent))
            if anchor and n not in refs.setdefault(anchor, []):
                refs[anchor].append(n)
    meta = [f"{len(analysis.entities)} entities", f"{len(analysis.stances)} stances"]
    if analysis.date:
        meta.insert(0, f"date {analysis.date}")
    if analysis.model:
        meta.append(f"model {analysis.model}")
    legend = "".join(f'<span class="chip" style="background: {_color(label)}">{esc(label)}</span>'
                     for label in scheme.ENTITY_LABELS)
    stances = "".join(_stance_item(n, s, anchors) for n, s in enumerate(analysis.stances, start=1))
    stance_block = (f'<ol class="stances">{stances}</ol>' if stances
                    else '<p class="note no-stances">No stances found in this text.</p>')
    heading = f"<h1>{esc(title)}</h1>" if title else ""
    return (f'<div class="scomm-view"><style>{BASE_CSS}{CSS}</style>{heading}'
            f'<p class="meta">{esc(" · ".join(meta))}</p><p class="legend">{legend}</p>'
            f'<div class="text">{_text_html(analysis.text, placed, anchors, refs)}</div>'
            f'<h2>Stances</h2>{stance_block}{_positions_table(analysis)}</div>')


def analysis_to_html(analysis: Analysis, *, page: bool = True, title: str | None = None) -> str:
    """A self-contained HTML page (``page=True``) or a ``<div>`` fragment (``page=False``) for one Analysis."""
    fragment = render_fragment(analysis, title)
    if not page:
        return fragment
    return html_page(title or "scomm-nlp view", fragment, script=SCRIPT)

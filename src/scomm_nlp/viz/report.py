"""One self-contained HTML report for a tagged archive: counts, top actors, a state map, a timeline and a
searchable table of evidence sentences.

The page has no external resources: charts are Vega-Lite specs drawn by the Vega libraries inlined from
``vl-convert-python``; the table search is a few lines of plain JavaScript. All values from the archive are
escaped (:mod:`scomm_nlp.viz.html`).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from scomm_nlp import scheme
from scomm_nlp.viz.archive import ArchiveTables, load_results
from scomm_nlp.viz.geo import TILE_GRID, StateAttributor, state_name
from scomm_nlp.viz.html import BASE_CSS, esc, is_missing, page, safe_url, script_json

TOP_ACTORS = 15
TIMELINE_PROGRAMS = 8
MAX_EVIDENCE_ROWS = 50_000
EVIDENCE_PAGE = 200  # rows drawn at a time; 'Show more' adds as many

CSS = """
.scomm-report section { margin-bottom: 2rem; }
.scomm-report .cards { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.scomm-report .cards table { margin: 0; }
.scomm-report .chart { margin: .5rem 0; overflow-x: auto; }
.scomm-report #evidence-search { font-size: 1rem; padding: .35rem .5rem; width: 28rem; max-width: 100%; }
.scomm-report .evidence-table td.evidence { max-width: 32rem; }
.scomm-report .evidence-table td:first-child { white-space: nowrap; }
.scomm-report .evidence-table td.doc code { font-size: .8em; color: #555; }
.scomm-report #evidence-more { margin: .5rem 0; }
"""

# The evidence table: rows come from the JSON block #evidence-data and are drawn with textContent (never as
# markup), EVIDENCE_PAGE at a time; the search box keeps the rows that contain every word typed.
EVIDENCE_SCRIPT = """
(function () {
  var source = document.getElementById("evidence-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var rows = data.rows, page = data.page, colors = data.colors;
  var body = document.querySelector("#evidence-table tbody");
  var box = document.getElementById("evidence-search");
  var shown = document.getElementById("evidence-shown");
  var more = document.getElementById("evidence-more");
  var texts = rows.map(function (r) { return r.join(" ").toLowerCase(); });
  var matches = [], limit = page, timer = null;
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function documentCell(tr, r) {
    var td = cell(tr, "", "doc"), label = r[7] || r[6];
    if (r[8] && /^https?:\\/\\//i.test(r[8])) {
      var a = document.createElement("a");
      a.href = r[8]; a.target = "_blank"; a.rel = "noopener noreferrer"; a.textContent = label;
      td.appendChild(a);
    } else {
      td.appendChild(document.createTextNode(label));
    }
    if (r[7] || r[8]) {
      var code = document.createElement("code");
      code.textContent = r[6];
      td.appendChild(document.createElement("br"));
      td.appendChild(code);
    }
  }
  function render() {
    var frag = document.createDocumentFragment();
    matches.slice(0, limit).forEach(function (i) {
      var r = rows[i], tr = document.createElement("tr");
      cell(tr, r[0]); cell(tr, r[1]);
      var rel = document.createElement("span");
      rel.className = "rel"; rel.style.background = colors[r[2]] || "#777"; rel.textContent = r[2];
      cell(tr, "").appendChild(rel);
      cell(tr, r[3]); cell(tr, r[4]); cell(tr, r[5], "evidence");
      documentCell(tr, r);
      frag.appendChild(tr);
    });
    body.replaceChildren(frag);
    shown.textContent = String(matches.length);
    more.hidden = matches.length <= limit;
  }
  function filter() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    matches = [];
    for (var i = 0; i < rows.length; i += 1) {
      if (words.every(function (w) { return texts[i].indexOf(w) !== -1; })) { matches.push(i); }
    }
    limit = page;
    render();
  }
  box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(filter, 120); });
  more.addEventListener("click", function () { limit += page; render(); });
  filter();
})();
"""


class ReportError(ValueError):
    """The report cannot be built as asked (e.g. an unknown --program)."""


# ---- tables ------------------------------------------------------------------------------------------------------


def _key(kb_ids, names):
    """KB id where there is one, else the canonical name: one key per real-world entity."""
    return kb_ids.where(kb_ids.notna() & (kb_ids.astype(str) != ""), "name:" + names.fillna("").astype(str))


def _display_names(keys, names) -> dict:
    """The most frequent canonical name written for each key."""
    import pandas as pd

    frame = pd.DataFrame({"key": keys.to_numpy(), "name": names.fillna("").astype(str).to_numpy()})
    sizes = frame.groupby(["key", "name"]).size().rename("n").reset_index()
    best = sizes.sort_values(["key", "n", "name"], ascending=[True, False, True]).drop_duplicates("key")
    return dict(zip(best["key"], best["name"]))


def prepare_stances(tables: ArchiveTables):
    """The stances table with ``when`` (stance date, else the document's), ``year``, ``month`` (YYYY-MM-01), and
    ``actor_key`` / ``target_key`` / ``actor_name`` / ``target_name`` per real-world entity."""
    import pandas as pd

    st = tables.stances.copy()
    doc_dates = dict(zip(tables.documents["doc_id"], tables.documents["date"]))
    when = st["date"].where(st["date"].notna(), st["doc_id"].map(doc_dates))
    parsed = pd.to_datetime(when, format="%Y-%m-%d", errors="coerce")
    st["when"] = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None)
    st["year"] = parsed.dt.year.astype("Int64")
    st["month"] = parsed.dt.strftime("%Y-%m-01").where(parsed.notna(), None)
    st["actor_key"] = _key(st["actor_kb_id"], st["actor_canonical"])
    st["target_key"] = _key(st["target_kb_id"], st["target_canonical"])
    names = _display_names(pd.concat([st["actor_key"], st["target_key"]]),
                           pd.concat([st["actor_canonical"], st["target_canonical"]]))
    st["actor_name"] = st["actor_key"].map(names)
    st["target_name"] = st["target_key"].map(names)
    return st


def counts(tables: ArchiveTables) -> dict[str, dict[str, int]]:
    """Documents by status, mentions by label, stances by type, and the number of failed records."""
    docs, mentions, stances = tables.documents, tables.mentions, tables.stances
    by_status = {str(k): int(v) for k, v in docs["status"].value_counts().items()}
    by_label = {label: int((mentions["label"] == label).sum()) for label in scheme.ENTITY_LABELS}
    by_label.update({str(k): int(v) for k, v in mentions["label"].value_counts().items() if k not in by_label})
    by_type = {t: int((stances["type"] == t).sum()) for t in scheme.RELATION_TYPES}
    by_type.update({str(k): int(v) for k, v in stances["type"].value_counts().items() if k not in by_type})
    return {
        "documents": {"total": len(docs), **by_status},
        "mentions": {"total": len(mentions), **by_label},
        "stances": {"total": len(stances), **by_type},
        "errors": {"records": len(tables.errors)},
    }


def top_actors(stances, n: int = TOP_ACTORS):
    """The ``n`` actors with most stance events: one row per actor and type (actor, label, type, events)."""
    import pandas as pd

    if stances.empty:
        return pd.DataFrame(columns=["actor", "label", "type", "events"])
    totals = stances.groupby("actor_key").size().sort_values(ascending=False, kind="stable")
    keep = totals.index[:n]
    sub = stances[stances["actor_key"].isin(keep)]
    labels = sub.groupby("actor_key")["actor_label"].agg(lambda s: s.value_counts().index[0])
    rows = sub.groupby(["actor_key", "type"]).size().rename("events").reset_index()
    rows["actor"] = rows["actor_key"].map(sub.drop_duplicates("actor_key").set_index("actor_key")["actor_name"])
    rows["label"] = rows["actor_key"].map(labels)
    rows["order"] = rows["actor_key"].map({k: i for i, k in enumerate(keep)})
    return rows.sort_values(["order", "type"])[["actor", "label", "type", "events"]].reset_index(drop=True)


def programs(stances):
    """Programs that are stance targets, most frequent first: key, name, events."""
    import pandas as pd

    sub = stances[stances["target_label"] == scheme.PROGRAM]
    if sub.empty:
        return pd.DataFrame(columns=["key", "name", "events"])
    rows = sub.groupby("target_key").size().rename("events").reset_index().rename(columns={"target_key": "key"})
    rows["name"] = rows["key"].map(sub.drop_duplicates("target_key").set_index("target_key")["target_name"])
    return rows.sort_values(["events", "key"], ascending=[False, True], kind="stable").reset_index(drop=True)


def choose_program(choices, wanted: str | None) -> tuple[str, str] | None:
    """(key, name) of ``wanted`` (a KB id such as ``program:287g`` or a canonical name, any case), or of the most
    frequent target program when ``wanted`` is None; None when the archive has no program stances."""
    if wanted is None:
        if choices.empty:
            return None
        first = choices.iloc[0]
        return str(first["key"]), str(first["name"])
    folded = wanted.strip().casefold()
    for key, name in zip(choices["key"], choices["name"]):
        if folded in (str(key).casefold(), str(name).casefold()):
            return str(key), str(name)
    known = ", ".join(f"{k} ({n})" for k, n in zip(choices["key"][:12], choices["name"][:12])) or "none"
    raise ReportError(f"--program {wanted!r}: no stance in this archive targets it; programs found: {known}")


def state_table(stances, program_key: str | None, attributor: StateAttributor | None = None):
    """Per state: supports, opposes, net toward the program, and the counties and cities that took a stance.

    One row per tile of the grid (zeros where nothing was said), plus rows for attributed places off the grid.
    Columns: state, name, col, row, supports, opposes, net, events, state_level and local (text).
    """
    import pandas as pd

    attributor = attributor or StateAttributor()
    sub = stances[(stances["target_key"] == program_key) & stances["type"].isin([scheme.SUPPORTS, scheme.OPPOSES])] \
        if program_key is not None else stances.iloc[0:0]
    places = [attributor(k, lab, None if pd.isna(y) else int(y))
              for k, lab, y in zip(sub["actor_kb_id"], sub["actor_label"], sub["year"])]
    tally: dict[str, dict[str, Any]] = {}
    for place, rel, actor in zip(places, sub["type"], sub["actor_name"]):
        if place is None:
            continue
        row = tally.setdefault(place.state, {"supports": 0, "opposes": 0, "state_level": {}, "local": {}})
        field = "supports" if rel == scheme.SUPPORTS else "opposes"
        row[field] += 1
        group = row["local"] if place.level in ("county", "city") else row["state_level"]
        group.setdefault(actor, {"supports": 0, "opposes": 0})[field] += 1
    rows = []
    for state in list(TILE_GRID) + sorted(s for s in tally if s not in TILE_GRID):
        row = tally.get(state, {"supports": 0, "opposes": 0, "state_level": {}, "local": {}})
        col, grid_row = TILE_GRID.get(state, (None, None))
        rows.append({"state": state, "name": state_name(state), "col": col, "row": grid_row,
                     "supports": row["supports"], "opposes": row["opposes"],
                     "net": row["supports"] - row["opposes"], "events": row["supports"] + row["opposes"],
                     "state_level": _tally_text(row["state_level"]), "local": _tally_text(row["local"])})
    return pd.DataFrame(rows)


def _tally_text(group: dict[str, dict[str, int]]) -> str:
    return "; ".join(f"{name} (+{c['supports']}/-{c['opposes']})" for name, c in sorted(group.items()))


def timeline_table(stances, max_programs: int = TIMELINE_PROGRAMS):
    """Stance events toward programs per month: program, month (YYYY-MM-01), type, events; the
    ``max_programs`` programs with most dated events."""
    import pandas as pd

    sub = stances[(stances["target_label"] == scheme.PROGRAM) & stances["month"].notna()]
    if sub.empty:
        return pd.DataFrame(columns=["program", "month", "type", "events"])
    keep = sub.groupby("target_key").size().sort_values(ascending=False, kind="stable").index[:max_programs]
    sub = sub[sub["target_key"].isin(keep)]
    rows = sub.groupby(["target_name", "month", "type"]).size().rename("events").reset_index()
    return rows.rename(columns={"target_name": "program"}).sort_values(["program", "month", "type"]) \
        .reset_index(drop=True)


# ---- HTML --------------------------------------------------------------------------------------------------------


def _count_table(title: str, values: dict[str, int]) -> str:
    body = "".join(f"<tr><td>{esc(k)}</td><td>{v:,}</td></tr>" for k, v in values.items())
    return f'<table class="counts" data-kind="{esc(title)}"><thead><tr><th colspan="2">{esc(title)}</th></tr>' \
           f"</thead><tbody>{body}</tbody></table>"


def _manifest_items(manifest: dict, limit: int = 16) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for key, value in manifest.items():
        if isinstance(value, dict):
            items += [(f"{key}.{k}", v) for k, v in value.items() if not isinstance(v, (dict, list))]
        elif isinstance(value, list):
            items.append((key, ", ".join(str(v) for v in value[:5]) + (" ..." if len(value) > 5 else "")))
        else:
            items.append((key, value))
    return [(k, str(v)) for k, v in items[:limit]]


def _text(value) -> str:
    return "" if is_missing(value) else str(value)


def evidence_rows(stances, documents, max_rows: int = MAX_EVIDENCE_ROWS) -> tuple[list[list[str]], int]:
    """The evidence table's rows, dated first in date order, at most ``max_rows``; and the number of stances.

    Each row: date, actor, type, target, score, evidence, doc_id, title, url (only http(s) URLs; else '').
    """
    keys = stances[["when", "doc_id", "evidence_start"]].assign(_missing=stances["when"].isna())
    order = keys.sort_values(["_missing", "when", "doc_id", "evidence_start"], kind="stable").index[:max_rows]
    ordered = stances.loc[order, ["when", "actor_name", "type", "target_name", "score", "evidence", "doc_id"]]
    wanted = documents[documents["doc_id"].isin(set(ordered["doc_id"]))].drop_duplicates("doc_id")
    titles = dict(zip(wanted["doc_id"], (_text(t).strip() for t in wanted["title"])))
    urls = dict(zip(wanted["doc_id"], (safe_url(u) or "" for u in wanted["url"])))
    score = ordered["score"]
    columns = [
        *(ordered[c].astype(object).where(ordered[c].notna(), "").astype(str).tolist()
          for c in ("when", "actor_name", "type", "target_name")),
        score.map("{:.2f}".format).where(score.notna(), "").tolist(),
        *(ordered[c].astype(object).where(ordered[c].notna(), "").astype(str).tolist() for c in ("evidence", "doc_id")),
        ordered["doc_id"].map(titles).fillna("").tolist(),
        ordered["doc_id"].map(urls).fillna("").tolist(),
    ]
    return [list(row) for row in zip(*columns)], len(stances)


def _evidence_section(stances, documents, max_rows: int) -> str:
    rows, total = evidence_rows(stances, documents, max_rows)
    data = {"page": EVIDENCE_PAGE, "colors": scheme.COLORS, "rows": rows}
    cut = (f'<p class="note">The table holds the first {max_rows:,} of {total:,} stances (by date); '
           "raise --max-evidence to include more.</p>") if total > max_rows else ""
    return ('<section id="evidence"><h2>Evidence</h2>'
            '<p><input type="search" id="evidence-search" placeholder="Filter: actor, program, words of the sentence'
            '..." aria-label="Filter the evidence table"> <span class="meta"><span id="evidence-shown">'
            f"{len(rows)}</span> of {len(rows):,} rows match</span></p>{cut}"
            '<noscript><p class="note">The evidence table needs JavaScript.</p></noscript>'
            '<table class="evidence-table" id="evidence-table"><thead><tr><th>date</th><th>actor</th><th>stance</th>'
            "<th>target</th><th>score</th><th>evidence</th><th>document</th></tr></thead><tbody></tbody></table>"
            '<button type="button" id="evidence-more" hidden>Show more</button>'
            f'<script type="application/json" id="evidence-data">{script_json(data)}</script></section>')


def _map_section(states, chosen, choices, specs: dict) -> str:
    from scomm_nlp.viz.charts import state_map_chart
    from scomm_nlp.viz.vega import chart_div

    if chosen is None:
        return ('<section id="map"><h2>Net stance by state</h2>'
                '<p class="note">No stance in this archive targets a program.</p></section>')
    key, name = chosen
    specs["chart-map"] = state_map_chart(states[states["col"].notna()], name).to_dict(validate=False)
    listed = states[states["events"] > 0].sort_values(["net", "state"])
    body = "".join(f"<tr><td>{esc(r['name'])} ({esc(r['state'])})</td><td>{r['supports']}</td>"
                   f"<td>{r['opposes']}</td><td>{r['net']:+d}</td><td>{esc(r['state_level'])}</td>"
                   f"<td>{esc(r['local'])}</td></tr>" for r in listed.to_dict("records"))
    table = ('<table class="states" id="state-table"><thead><tr><th>state</th><th>supports</th><th>opposes</th>'
             "<th>net</th><th>state and governor</th><th>counties and cities</th></tr></thead>"
             f"<tbody>{body}</tbody></table>") if body else \
        '<p class="note">No stance toward this program could be placed in a state.</p>'
    others = ", ".join(f"{k} ({n}, {e})" for k, n, e in zip(choices["key"], choices["name"], choices["events"])
                       if k != key)
    return (f'<section id="map" data-program="{esc(key)}"><h2>Net stance by state toward {esc(name)}</h2>'
            f'<p class="meta">Program {esc(key)}. Each square is a state; colour is SUPPORTS minus OPPOSES events '
            "of actors placed in that state: the state itself, its governor in office that year, and its counties "
            "and cities. Grey: nothing said. Other target programs (choose one with --program): "
            f"{esc(others) or 'none'}.</p>{chart_div('chart-map', f'Map of net stance toward {name}')}"
            f"{table}</section>")


def build_report(results_dir: str | Path, *, program: str | None = None, title: str | None = None,
                 max_evidence: int = MAX_EVIDENCE_ROWS, kb=None) -> str:
    """The report for the tables in ``results_dir`` as one HTML string (no external resources)."""
    from scomm_nlp.viz.charts import timeline_chart, top_actors_chart
    from scomm_nlp.viz.vega import chart_div, embed_scripts

    tables = load_results(results_dir)
    stances = prepare_stances(tables)
    choices = programs(stances)
    chosen = choose_program(choices, program)
    states = state_table(stances, chosen[0] if chosen else None, StateAttributor(kb))
    numbers = counts(tables)
    # Specs are built without Altair's schema validation, which walks every inline data row (seconds on a large
    # archive); tests/viz/test_report.py validates each chart on the sample archive.
    specs: dict[str, dict] = {}

    actors = top_actors(stances)
    if actors.empty:
        actors_html = '<p class="note">No stances in this archive.</p>'
    else:
        specs["chart-actors"] = top_actors_chart(actors).to_dict(validate=False)
        actors_html = chart_div("chart-actors", "Top actors by stance events")
    timeline = timeline_table(stances)
    if timeline.empty:
        timeline_html = '<p class="note">No dated stance toward a program in this archive.</p>'
    else:
        specs["chart-timeline"] = timeline_chart(timeline).to_dict(validate=False)
        undated = int(stances["month"].isna().sum())
        timeline_html = chart_div("chart-timeline", "Timeline of stance events per program by month") + (
            f'<p class="note">{undated:,} stance(s) without a date are not shown.</p>' if undated else "")

    heading = title or f"scomm-nlp report: {tables.root.name}"
    manifest = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in _manifest_items(tables.manifest))
    missing = (f'<p class="note">Tables missing from the folder (read as empty): {esc(", ".join(tables.missing))}.'
               "</p>") if tables.missing else ""
    import scomm_nlp

    body = (f'<div class="scomm-report"><h1>{esc(heading)}</h1>'
            f'<p class="meta">Results folder {esc(tables.root)} · report made '
            f"{esc(_dt.datetime.now().strftime('%Y-%m-%d %H:%M'))} by scomm-nlp {esc(scomm_nlp.__version__)}</p>"
            f"{missing}"
            '<section id="counts"><h2>Counts</h2><div class="cards">'
            f"{_count_table('documents', numbers['documents'])}{_count_table('mentions', numbers['mentions'])}"
            f"{_count_table('stances', numbers['stances'])}{_count_table('errors', numbers['errors'])}</div>"
            + (f'<table class="manifest"><thead><tr><th colspan="2">manifest</th></tr></thead><tbody>{manifest}'
               "</tbody></table>" if manifest else "") + "</section>"
            f'<section id="actors"><h2>Top actors</h2>{actors_html}</section>'
            f"{_map_section(states, chosen, choices, specs)}"
            f'<section id="timeline"><h2>Timeline</h2>{timeline_html}</section>'
            f"{_evidence_section(stances, tables.documents, max_evidence)}</div>")
    return page(heading, body + embed_scripts(specs), css=BASE_CSS + CSS, script=EVIDENCE_SCRIPT)


def write_report(results_dir: str | Path, out: str | Path, **kwargs: Any) -> Path:
    """Build the report and write it to ``out`` (UTF-8); returns ``out`` as a Path."""
    out = Path(out)
    html = build_report(results_dir, **kwargs)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out

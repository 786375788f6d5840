"""Altair charts for a tagged archive: top actors, net stance by state (tile grid) and a monthly timeline.

Each function takes one of the small aggregated tables built in :mod:`scomm_nlp.viz.report` and returns an Altair
chart; data go inline (``alt.Data(values=...)``), so the specs need no file or network to draw.
"""

from __future__ import annotations

from scomm_nlp import scheme
from scomm_nlp.viz.geo import GRID_COLUMNS, GRID_ROWS

TILE = 46  # pixels per grid cell
NO_DATA = "#e6e6e6"
NEUTRAL = "#f7f7f7"


def _records(frame) -> list[dict]:
    """Rows as plain JSON values (no NaN, no numpy scalars)."""
    import json

    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _type_scale():
    import altair as alt

    types = list(scheme.RELATION_TYPES)
    return alt.Scale(domain=types, range=[scheme.COLORS[t] for t in types])


def top_actors_chart(actors):
    """Horizontal stacked bars: stance events per actor and type. ``actors``: actor, label, type, events."""
    import altair as alt

    order = (actors.groupby("actor", sort=False)["events"].sum().sort_values(ascending=False).index.tolist())
    return alt.Chart(alt.Data(values=_records(actors))).mark_bar().encode(
        y=alt.Y("actor:N", sort=order, title=None),
        x=alt.X("sum(events):Q", title="stance events", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("type:N", scale=_type_scale(), title="stance"),
        tooltip=[alt.Tooltip("actor:N"), alt.Tooltip("label:N"), alt.Tooltip("type:N"),
                 alt.Tooltip("sum(events):Q", title="events")],
    ).properties(width=640, height=alt.Step(18), title="Top actors by stance events")


def state_map_chart(states, program: str):
    """Tile-grid map of net stance (SUPPORTS - OPPOSES) per state toward ``program``.

    ``states``: one row per tile with state, name, col, row, supports, opposes, net, events, local.
    """
    import altair as alt

    reach = max(1, int(states["net"].abs().max() or 0))
    frame = states.assign(x=states["col"], x2=states["col"] + 0.94, y=states["row"], y2=states["row"] + 0.94,
                          tx=states["col"] + 0.47, ty=states["row"] + 0.47)
    base = alt.Chart(alt.Data(values=_records(frame)))
    x_scale = alt.Scale(domain=[0, GRID_COLUMNS], nice=False)
    y_scale = alt.Scale(domain=[0, GRID_ROWS], nice=False, reverse=True)
    x = alt.X("x:Q", scale=x_scale, axis=None)
    y = alt.Y("y:Q", scale=y_scale, axis=None)
    tooltip = [alt.Tooltip("name:N", title="state"), alt.Tooltip("supports:Q"), alt.Tooltip("opposes:Q"),
               alt.Tooltip("net:Q"), alt.Tooltip("local:N", title="counties and cities")]
    empty = base.mark_rect(color=NO_DATA, stroke="white").encode(x=x, x2="x2:Q", y=y, y2="y2:Q", tooltip=tooltip)
    filled = base.transform_filter("datum.events > 0").mark_rect(stroke="#333", strokeWidth=0.5).encode(
        x=x, x2="x2:Q", y=y, y2="y2:Q", tooltip=tooltip,
        color=alt.Color("net:Q", title="net stance",
                        scale=alt.Scale(domain=[-reach, 0, reach],
                                        range=[scheme.COLORS[scheme.OPPOSES], NEUTRAL, scheme.COLORS[scheme.SUPPORTS]])),
    )
    labels = base.mark_text(fontSize=12, fontWeight="bold", color="#222").encode(
        x=alt.X("tx:Q", scale=x_scale, axis=None), y=alt.Y("ty:Q", scale=y_scale, axis=None), text="state:N",
        tooltip=tooltip)
    return alt.layer(empty, filled, labels).properties(
        width=GRID_COLUMNS * TILE, height=GRID_ROWS * TILE,
        title=f"Net stance toward {program} by state (SUPPORTS - OPPOSES)")


def timeline_chart(timeline):
    """Monthly stance events per program, one row per program. ``timeline``: program, month (YYYY-MM-01),
    type, events."""
    import altair as alt

    order = (timeline.groupby("program", sort=False)["events"].sum().sort_values(ascending=False).index.tolist())
    return alt.Chart(alt.Data(values=_records(timeline))).mark_bar().encode(
        x=alt.X("utcyearmonth(month):T", title="month"),
        y=alt.Y("sum(events):Q", title="events", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("type:N", scale=_type_scale(), title="stance"),
        tooltip=[alt.Tooltip("program:N"), alt.Tooltip("utcyearmonth(month):T", title="month"),
                 alt.Tooltip("type:N"), alt.Tooltip("sum(events):Q", title="events")],
    ).properties(width=760, height=80).facet(
        row=alt.Row("program:N", sort=order, title=None,
                    header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")),
    ).properties(title="Stance events per program by month")

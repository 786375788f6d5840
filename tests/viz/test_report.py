"""The archive report: its numbers, its page (self-contained, escaped) and `scomm-nlp report`."""

import json

import pytest
from typer.testing import CliRunner

from scomm_nlp.cli import app
from scomm_nlp.viz.archive import load_results
from scomm_nlp.viz.report import (ReportError, build_report, choose_program, counts, prepare_stances, programs,
                                  state_table, timeline_table, top_actors)

from .conftest import IMG_PAYLOAD, SCRIPT_PAYLOAD, archive_tables, write_archive
from .markup import parse


@pytest.fixture
def prepared(sample_archive):
    tables = load_results(sample_archive)
    return tables, prepare_stances(tables)


def test_counts(prepared):
    tables, _ = prepared
    numbers = counts(tables)
    assert numbers["documents"] == {"total": 6, "ok": 4, "skipped": 1, "error": 1}
    assert numbers["mentions"]["total"] == 4 and numbers["mentions"]["JURISDICTION"] == 2
    assert numbers["mentions"]["AGENCY"] == 0
    assert numbers["stances"] == {"total": 10, "OPPOSES": 5, "SUPPORTS": 4, "COMPELS": 1}
    assert numbers["errors"] == {"records": 1}


def test_dates_fall_back_to_the_document_and_undated_stay_undated(prepared):
    tables, st = prepared
    st2 = prepare_stances(tables.__class__(**{**tables.__dict__, "stances": tables.stances.assign(date=None)}))
    assert st2.loc[st2["doc_id"] == "d2", "month"].unique().tolist() == ["2011-06-01"]
    assert st.loc[st["doc_id"] == "d4", "when"].isna().all()


def test_top_actors_and_program_choice(prepared):
    _, st = prepared
    actors = top_actors(st, n=3)
    assert actors["actor"].nunique() == 3 and set(actors.columns) == {"actor", "label", "type", "events"}
    found = programs(st)
    assert found["key"].tolist() == ["program:secure-communities", "program:287g"]
    assert found["events"].tolist() == [7, 2]
    assert choose_program(found, None) == ("program:secure-communities", "Secure Communities")
    assert choose_program(found, "287(G)") == ("program:287g", "287(g)")
    assert choose_program(found, "program:287g") == ("program:287g", "287(g)")
    with pytest.raises(ReportError, match=r"'PEP'.*program:secure-communities \(Secure Communities\)"):
        choose_program(found, "PEP")


def test_state_table_nets_states_governors_counties_and_cities(prepared):
    _, st = prepared
    table = state_table(st, "program:secure-communities").set_index("state")
    il, tx, ca = table.loc["IL"], table.loc["TX"], table.loc["CA"]
    assert (il["supports"], il["opposes"], il["net"]) == (1, 3, -2)  # Quinn, Illinois, Cook County vs Chicago
    assert il["local"] == "Chicago (+1/-0); Cook County (+0/-1)"
    assert il["state_level"] == "Illinois (+0/-1); Pat Quinn (+0/-1)"
    assert (tx["net"], tx["local"]) == (2, "")
    assert (ca["net"], ca["local"]) == (1, "Los Angeles County (+1/-0)")
    assert table["events"].sum() == 7 - 0  # every Secure Communities stance here is placed
    assert table.loc["NY", "events"] == 0 and len(table) == 52
    assert state_table(st, "program:287g")["events"].sum() == 0  # ACLU and an unlinked council: no state


def test_timeline_counts_dated_program_stances_by_month(prepared):
    _, st = prepared
    rows = timeline_table(st)
    got = {(r.program, r.month, r.type): r.events for r in rows.itertuples()}
    assert got == {("287(g)", "2011-05-01", "OPPOSES"): 1,
                   ("Secure Communities", "2010-09-01", "SUPPORTS"): 3,
                   ("Secure Communities", "2011-05-01", "OPPOSES"): 2,
                   ("Secure Communities", "2011-06-01", "OPPOSES"): 1,
                   ("Secure Communities", "2011-06-01", "SUPPORTS"): 1}
    assert timeline_table(st, max_programs=1)["program"].unique().tolist() == ["Secure Communities"]


def test_every_chart_is_a_valid_vega_lite_spec(prepared):
    from scomm_nlp.viz.charts import state_map_chart, timeline_chart, top_actors_chart

    _, st = prepared
    states = state_table(st, "program:secure-communities")
    for chart in (top_actors_chart(top_actors(st)), state_map_chart(states[states["col"].notna()], "Secure Communities"),
                  timeline_chart(timeline_table(st))):
        spec = chart.to_dict()  # validates against Altair's Vega-Lite schema; raises if invalid
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def _evidence(page):
    return json.loads(page.find("script", id="evidence-data")[0].text)


def _specs(page):
    return {el.attrs["id"]: json.loads(el.text) for el in page.find("script", type="application/json")
            if el.attrs["id"].endswith("-spec")}


def test_report_page_is_self_contained_and_has_every_part(sample_archive):
    html = build_report(sample_archive, title="Test archive")
    page = parse(html)
    for section in ("counts", "actors", "map", "timeline", "evidence"):
        assert page.find("section", id=section), section
    specs = _specs(page)
    assert set(specs) == {"chart-actors-spec", "chart-map-spec", "chart-timeline-spec"}
    assert all(s["$schema"].startswith("https://vega.github.io/schema/vega-lite/") for s in specs.values())
    map_rows = specs["chart-map-spec"]["data"]["values"]  # the three layers share one inline data set
    assert {r["state"]: r["net"] for r in map_rows if r["events"]} == {"IL": -2, "TX": 2, "CA": 1}
    assert page.find("section", id="map")[0].attrs["data-program"] == "program:secure-communities"
    # nothing is fetched: no src/href to another host, the libraries are inline
    assert not [el for el in page.elements if el.attrs.get("src")]
    assert not [el for el in page.elements if el.tag == "link"]
    modules = page.find("script", type="module")
    assert len(modules) == 2 and "vegaEmbed" in modules[0].text and len(modules[0].text) > 100_000
    assert page.find("table", id="evidence-table") and page.find("input", id="evidence-search")
    assert len(_evidence(page)["rows"]) == 10


def test_report_escapes_every_field_and_never_links_javascript(sample_archive):
    page = parse(build_report(sample_archive))
    assert page.find("img") == [] and page.event_handler_attributes() == []
    ours = [s for s in page.find("script") if s.attrs.get("type") != "application/json"]
    assert len(ours) == 3 and not any("xss" in s.text for s in ours)  # bundle, chart embedding, evidence table
    data_blocks = page.find("script", type="application/json")
    assert data_blocks and not any("<" in s.text or ">" in s.text for s in data_blocks)  # \u003c escapes
    actors = json.loads(page.find("script", id="chart-actors-spec")[0].text)["data"]["values"]
    assert f"Council {IMG_PAYLOAD}" in {row["actor"] for row in actors}  # the data stay exact
    cells = [cell for row in _evidence(page)["rows"] for cell in row]  # drawn with textContent in the browser
    assert any(SCRIPT_PAYLOAD in c for c in cells) and any(IMG_PAYLOAD in c for c in cells)
    rows = {(r[1], r[6]): r for r in _evidence(page)["rows"]}  # (actor, doc_id) -> row
    assert rows[("Pat Quinn", "d1")][7:] == ["Quinn pulls out", "https://example.org/news/quinn"]
    assert rows[("Cook County", "d2")][7:] == [f"Cook County board {SCRIPT_PAYLOAD}", ""]  # javascript: URL dropped
    assert rows[("Cook County", "d2")][5] == f"The Cook County board voted to stop honoring detainers {SCRIPT_PAYLOAD}."
    assert not [a for a in page.find("a") if "javascript" in a.attrs.get("href", "").lower()]


def test_evidence_rows_are_in_date_order_with_undated_last(prepared):
    from scomm_nlp.viz.report import evidence_rows

    tables, st = prepared
    rows, total = evidence_rows(st, tables.documents)
    assert total == 10 and [r[0] for r in rows] == ["2010-09-10"] * 3 + ["2011-05-04"] * 3 + ["2011-06-01"] * 2 + \
        ["", ""]
    assert rows[3][:6] == ["2011-05-04", "Pat Quinn", "OPPOSES", "Secure Communities", "0.93",
                           "Gov. Pat Quinn said Illinois would withdraw from Secure Communities."]


def test_evidence_table_is_capped_with_a_note(sample_archive):
    page = parse(build_report(sample_archive, max_evidence=3))
    assert len(_evidence(page)["rows"]) == 3
    assert "The table holds the first 3 of 10 stances" in page.text


def test_archive_without_stances_gives_notes_and_no_scripts_for_charts(tmp_path):
    tables = archive_tables()
    tables["stances"] = [[]]
    root = write_archive(tmp_path / "r", tables)
    import pandas as pd

    from scomm_nlp.viz.archive import SCHEMA

    pd.DataFrame({c: pd.Series(dtype=object) for c in SCHEMA["stances"]}).to_parquet(
        root / "stances" / "part-00000.parquet")
    page = parse(build_report(root))
    assert page.find("script", type="module") == [] and _specs(page) == {}
    assert "No stances in this archive." in page.text and "No stance in this archive targets a program." in page.text


def test_report_cli(sample_archive, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out" / "report.html"
    result = runner.invoke(app, ["report", str(sample_archive), "--out", str(out), "--program", "program:287g"])
    assert result.exit_code == 0, result.output
    assert parse(out.read_text(encoding="utf-8")).find("section", id="map")[0].attrs["data-program"] == \
        "program:287g"
    bad = runner.invoke(app, ["report", str(sample_archive), "--out", str(out), "--program", "nope"])
    assert bad.exit_code == 2 and "no stance in this archive targets it" in bad.output
    missing = runner.invoke(app, ["report", str(tmp_path / "absent"), "--out", str(out)])
    assert missing.exit_code == 2 and "no such results folder" in missing.output

"""The single-article view: Analysis.to_html() and `scomm-nlp show`."""

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from scomm_nlp import scheme
from scomm_nlp.cli import app
from scomm_nlp.results import Analysis, Entity, Evidence, Stance

from .conftest import IMG_PAYLOAD, SCRIPT_PAYLOAD
from .markup import parse


def test_entities_are_marked_in_label_colours_with_hover_and_anchors(stance_analysis):
    page = parse(stance_analysis.to_html(title="Quinn"))
    marks = page.find("mark", class_="ent")
    assert [m.text.replace(m.attrs["data-label"], "", 1) for m in marks] == \
        ["Pat Quinn", "Illinois", "Secure Communities", "ICE", "Illinois"]
    for mark, ent in zip(marks, sorted(stance_analysis.entities, key=lambda e: e.start)):
        assert mark.attrs["data-label"] == ent.label
        assert scheme.COLORS[ent.label] in mark.attrs["style"]
        assert mark.attrs["title"] == f"{ent.canonical} ({ent.kb_id})"
    assert len({m.attrs["id"] for m in marks}) == 5


def test_stances_are_listed_and_linked_to_their_spans(stance_analysis):
    page = parse(stance_analysis.to_html())
    ids = {m.attrs["id"]: m for m in page.find("mark", class_="ent")}
    items = page.find("li", class_="stance")
    assert [i.attrs["data-type"] for i in items] == ["OPPOSES", "OPPOSES", "COMPELS"]
    first = items[0]
    assert ids[first.attrs["data-actor"]].text.startswith("Pat Quinn")
    assert ids[first.attrs["data-target"]].text.startswith("Secure Communities")
    assert "OPPOSES" in first.text and "0.91" in first.text
    assert "Gov. Pat Quinn said Illinois would withdraw from Secure Communities." in first.text
    third = items[2]
    assert "U.S. Immigration and Customs Enforcement" in third.text and '("ICE")' in third.text
    assert ids[third.attrs["data-target"]] is not ids[items[1].attrs["data-actor"]]  # the second Illinois
    # every link in the stance list points at an element of the page, and marks link back to their stances
    hrefs = [a.attrs["href"] for a in page.find("a") if a.attrs.get("href", "").startswith("#")]
    targets = {el.attrs.get("id") for el in page.elements}
    assert hrefs and all(h[1:] in targets for h in hrefs)
    assert {"#stance-1", "#stance-2", "#stance-3"} <= set(hrefs)
    assert [r.text for r in page.find("a", class_="ent-ref")] == ["1", "2", "1", "2", "3", "3"]


def test_hostile_text_is_escaped_never_markup(stance_analysis):
    html = stance_analysis.to_html(title=SCRIPT_PAYLOAD)
    page = parse(html)
    scripts = page.find("script")
    assert len(scripts) == 1 and "alert" not in scripts[0].text  # only the page's own hover script
    assert page.find("img") == [] and page.event_handler_attributes() == []
    assert SCRIPT_PAYLOAD in page.text and IMG_PAYLOAD in page.text  # shown as text
    assert "&lt;script&gt;alert(&#x27;xss-script&#x27;)&lt;/script&gt;" in html


def test_hostile_canonical_name_and_label_are_escaped():
    text = "The Board met."
    bad = Entity("Board", "GROUP", 4, 9, f'Board "><{IMG_PAYLOAD}', f"group:{SCRIPT_PAYLOAD}")
    weird = Entity("met", '"><script>x()</script>', 10, 13, "met", None)
    html = Analysis(text, [bad, weird], [Stance(bad, "OPPOSES", weird, 0.5, Evidence(text, 0, 14))]).to_html()
    page = parse(html)
    assert len(page.find("script")) == 1 and page.find("img") == [] and page.event_handler_attributes() == []
    assert page.find("mark")[0].attrs["title"] == f'Board "><{IMG_PAYLOAD} (group:{SCRIPT_PAYLOAD})'


def test_fragment_has_no_script_and_notebooks_get_it(stance_analysis):
    fragment = stance_analysis.to_html(page=False)
    assert fragment.startswith('<div class="scomm-view">') and "<script" not in fragment
    assert "<html" not in fragment
    assert stance_analysis._repr_html_() == fragment


def test_bad_offsets_and_overlaps_are_left_unmarked_and_stances_still_listed():
    text = "Illinois and Cook County"
    whole = Entity("Illinois and Cook County", "JURISDICTION", 0, 24, "Illinois", "state:IL")
    inner = Entity("Cook County", "JURISDICTION", 13, 24, "Cook County", "county:17031")
    beyond = Entity("x", "GROUP", 30, 40, "x", None)
    program = Entity("Secure Communities", "PROGRAM", 50, 68, "Secure Communities", None)
    stance = Stance(inner, "OPPOSES", program, 0.4, Evidence(text, 0, 24))
    page = parse(Analysis(text, [inner, whole, beyond], [stance]).to_html())
    assert [m.attrs["title"] for m in page.find("mark")] == ["Illinois (state:IL)"]
    item = page.find("li", class_="stance")[0]
    assert item.attrs["data-actor"] == "" and item.attrs["data-target"] == "" and "Cook County" in item.text
    assert page.find("span", title="Secure Communities (no knowledge-base id)")


def test_no_stances_says_so():
    text = "Illinois."
    page = parse(Analysis(text, [Entity("Illinois", "JURISDICTION", 0, 8, "Illinois", "state:IL")]).to_html())
    assert page.find("p", class_="no-stances") and page.find("li", class_="stance") == []


def test_importing_the_view_keeps_the_package_light():
    code = ("import sys, scomm_nlp, scomm_nlp.viz, scomm_nlp.viz.show; "
            "print(sorted(m for m in ('spacy', 'altair', 'pandas', 'vl_convert') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow  # loads the default pipeline (cached for the rest of the session)
def test_show_cli_tags_and_writes_a_page(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(f"Gov. Pat Quinn said Illinois would withdraw from Secure Communities. {SCRIPT_PAYLOAD}\n")
    out = tmp_path / "view.html"
    result = CliRunner().invoke(app, ["show", str(article), "--out", str(out), "--date", "2011-05-04"])
    assert result.exit_code == 0, result.output
    page = parse(out.read_text(encoding="utf-8"))
    by_title = {m.attrs["title"]: m.attrs["data-label"] for m in page.find("mark")}
    assert by_title["Illinois (state:IL)"] == "JURISDICTION"
    assert by_title["Secure Communities (program:secure-communities)"] == "PROGRAM"
    assert page.find("h1")[0].text == "article.txt"
    assert SCRIPT_PAYLOAD in page.text and len(page.find("script")) == 1


@pytest.mark.slow
def test_show_cli_reads_stdin_to_stdout_and_reports_bad_input(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["show", "-", "--out", "-"], input="Illinois joined.")
    assert result.exit_code == 0 and "Illinois (state:IL)" in result.stdout
    missing = runner.invoke(app, ["show", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "v.html")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    bad_date = runner.invoke(app, ["show", "-", "--out", "-", "--date", "2011-02-30"],
                             input="Illinois.")
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output

"""The corpus markup format: offsets computed by script, and authoring mistakes caught."""

from scomm_nlp.data.markup import parse_markup

GOOD = """### doc 11
date: 2011-05-04
style: wire
relevant: yes
topic: test
---
Gov. [[Pat Quinn|GOVERNOR|q]] said on Wednesday that [[Illinois|JURISDICTION|il]] would withdraw from
[[Secure Communities|PROGRAM|sc]], the federal fingerprint-sharing program, after months of complaints
from immigrant advocates who said it swept up people never convicted of anything at all.

[[ICE|AGENCY]] Director [[John Morton|OFFICIAL|m]] answered that taking part is mandatory for
[[Illinois|JURISDICTION|il2]] and for every other state, and he said fingerprint checks would go on.
---
q OPPOSES sc
il OPPOSES sc
m COMPELS il2
"""


def test_offsets_and_relations_are_computed(tmp_path):
    path = tmp_path / "b.txt"
    path.write_text(GOOD)
    (doc,), problems = parse_markup(path)
    assert [p for p in problems if p.severity == "error"] == []
    texts = [(doc.text[e["start_offset"]:e["end_offset"]], e["label"]) for e in doc.entities]
    assert texts == [("Pat Quinn", "GOVERNOR"), ("Illinois", "JURISDICTION"), ("Secure Communities", "PROGRAM"),
                     ("ICE", "AGENCY"), ("John Morton", "OFFICIAL"), ("Illinois", "JURISDICTION")]
    assert "\n\n" in doc.text and "[[" not in doc.text
    by_id = {e["id"]: doc.text[e["start_offset"]:e["end_offset"]] for e in doc.entities}
    assert [(by_id[r["from_id"]], r["type"], by_id[r["to_id"]]) for r in doc.relations] == [
        ("Pat Quinn", "OPPOSES", "Secure Communities"), ("Illinois", "OPPOSES", "Secure Communities"),
        ("John Morton", "COMPELS", "Illinois")]
    assert doc.meta["date"] == "2011-05-04"


def test_authoring_mistakes_are_reported_with_lines(tmp_path):
    bad = (GOOD.replace("[[Illinois|JURISDICTION|il2]]", "[[Illinois|STATE|il2]]")
               .replace("q OPPOSES sc", "q OPPOSES il")
               .replace("il OPPOSES sc", "il OPPOSES nowhere")
               .replace("Gov. [[Pat Quinn|", "[[Gov. Pat Quinn|"))
    path = tmp_path / "b.txt"
    path.write_text(bad)
    _, problems = parse_markup(path)
    text = "\n".join(str(p) for p in problems)
    assert "unknown label 'STATE'" in text
    assert "OPPOSES does not allow GOVERNOR -> JURISDICTION" in text
    assert "unknown key 'nowhere'" in text
    assert "includes a title" in text
    assert all(p.line > 0 for p in problems)

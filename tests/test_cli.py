"""The command line: validate, stats, analyze."""

import json

from typer.testing import CliRunner

from scomm_nlp.cli import app

runner = CliRunner()


def test_validate_ok_and_broken(write_jsonl, quinn_record):
    ok = write_jsonl([quinn_record], "ok.jsonl")
    res = runner.invoke(app, ["validate", str(ok)])
    assert res.exit_code == 0, res.output
    assert "1 document(s), 0 error(s)" in res.output
    broken = json.loads(json.dumps(quinn_record))
    broken["relations"][0]["to_id"] = 404
    bad = write_jsonl(["{not json", broken], "bad.jsonl")
    res = runner.invoke(app, ["validate", str(ok), str(bad)])
    assert res.exit_code == 1
    assert f"{bad}:1: error: <json>: invalid JSON" in res.output
    assert f"{bad}:2: error: relations[0]: points at a missing entity: to_id=404" in res.output


def test_stats_counts_per_split(tmp_path, quinn_record):
    (tmp_path / "train.jsonl").write_text(json.dumps(quinn_record) + "\n")
    other = dict(quinn_record, id=8, text=quinn_record["text"].replace("Gov.", "Governor"))
    for ent in other["entities"]:
        ent["start_offset"] += 4
        ent["end_offset"] += 4
    (tmp_path / "dev.jsonl").write_text(json.dumps(other) + "\n")
    res = runner.invoke(app, ["stats", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    table = json.loads(res.output)
    assert list(table) == ["train", "dev", "all"]
    assert table["all"]["relations"] == {"OPPOSES": 4, "SUPPORTS": 0, "COMPELS": 0}
    assert table["dev"]["entities"]["GOVERNOR"] == 1
    res = runner.invoke(app, ["stats", str(tmp_path)])
    assert "OPPOSES relations" in res.output


def test_analyze_json_from_stdin():
    res = runner.invoke(app, ["analyze", "-", "--json", "--date", "2011-05-04"],
                        input="Illinois will leave Secure Communities, officials in Cook County said.")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    found = {(e["text"], e["label"], e["kb_id"]) for e in data["entities"]}
    assert ("Illinois", "JURISDICTION", "state:IL") in found
    assert ("Cook County", "JURISDICTION", "county:17031") in found


def test_analyze_missing_file_is_a_clear_error(tmp_path):
    res = runner.invoke(app, ["analyze", str(tmp_path / "missing.txt")])
    assert res.exit_code == 2
    assert "no such file" in res.output


def test_analyze_bad_date():
    res = runner.invoke(app, ["analyze", "-", "--date", "May 2011"], input="Illinois.")
    assert res.exit_code == 2
    assert "YYYY-MM-DD" in res.output

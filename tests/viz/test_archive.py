"""Reading a tagged archive's tables, and placing stances in states."""

import json

import pandas as pd
import pytest

from scomm_nlp.viz.archive import ResultsFormatError, load_results
from scomm_nlp.viz.geo import TILE_GRID, StateAttributor

from .conftest import archive_tables, write_archive


def test_reads_all_parts_and_the_manifest(sample_archive):
    tables = load_results(sample_archive)
    assert len(tables.documents) == 6 and len(tables.mentions) == 4 and len(tables.errors) == 1
    assert len(tables.stances) == 10  # two part files concatenated
    assert tables.manifest["model"]["name"] == "test-model" and tables.missing == []


def test_missing_column_names_the_file_and_field(tmp_path):
    tables = archive_tables()
    for row in tables["stances"][1]:
        del row["target_kb_id"]
    root = write_archive(tmp_path / "r", tables)
    with pytest.raises(ResultsFormatError, match=r"stances/part-00001\.parquet: missing column\(s\) target_kb_id"):
        load_results(root)


def test_json_lines_parts_are_read_and_a_broken_line_is_named(tmp_path):
    root = write_archive(tmp_path / "r")
    folder = root / "stances"
    for part in folder.glob("*.parquet"):
        part.unlink()
    rows = [r for part in archive_tables()["stances"] for r in part]
    (folder / "part-00000.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert len(load_results(root).stances) == len(rows)
    (folder / "part-00001.jsonl").write_text(json.dumps(rows[0]) + "\n{not json\n")
    with pytest.raises(ResultsFormatError, match=r"part-00001\.jsonl:2: invalid JSON"):
        load_results(root)


def test_not_a_results_folder(tmp_path):
    with pytest.raises(ResultsFormatError, match="no such results folder"):
        load_results(tmp_path / "absent")
    (tmp_path / "other").mkdir()
    with pytest.raises(ResultsFormatError, match="no documents/ table folder"):
        load_results(tmp_path / "other")


def test_missing_optional_tables_and_empty_tables_keep_their_columns(tmp_path):
    root = tmp_path / "r"
    (root / "documents").mkdir(parents=True)
    (root / "stances").mkdir()
    pd.DataFrame([archive_tables()["documents"][0]]).to_parquet(root / "documents" / "part-00000.parquet")
    tables = load_results(root)
    assert tables.missing == ["mentions", "errors"]
    assert len(tables.stances) == 0 and "actor_kb_id" in tables.stances.columns and tables.manifest == {}


@pytest.fixture(scope="module")
def attribute():
    return StateAttributor()


@pytest.mark.parametrize("kb_id,label,year,expected", [
    ("state:IL", "JURISDICTION", None, ("IL", "state")),
    ("county:17031", "JURISDICTION", 2011, ("IL", "county")),
    ("county:06037", "JURISDICTION", None, ("CA", "county")),
    ("city:il-chicago", "JURISDICTION", None, ("IL", "city")),
    ("city:tx-nowhere-in-kb", "JURISDICTION", None, ("TX", "city")),  # id prefix when the KB lacks the city
    ("city:zz-nowhere", "JURISDICTION", None, None),
    ("county:99001", "JURISDICTION", None, None),
    ("person:pat-quinn", "GOVERNOR", 2011, ("IL", "governor")),
    ("person:pat-quinn", "GOVERNOR", 2005, None),  # lieutenant governor then
    ("person:janet-napolitano", "GOVERNOR", 2005, ("AZ", "governor")),
    ("person:janet-napolitano", "OFFICIAL", 2010, None),  # Secretary of Homeland Security: not Arizona's voice
    ("person:janet-napolitano", "GOVERNOR", 2010, None),  # no governorship covers 2010
    ("person:rick-perry", "GOVERNOR", None, ("TX", "governor")),
    ("person:pat-quinn", "OFFICIAL", 2011, None),
    ("agency:ice", "AGENCY", 2011, None),
    (None, "GROUP", None, None),
])
def test_state_attribution(attribute, kb_id, label, year, expected):
    place = attribute(kb_id, label, year)
    assert (place.state, place.level) == expected if expected else place is None


def test_tile_grid_has_one_square_per_state_and_no_collisions():
    import us

    expected = {s.abbr for s in us.states.STATES} | {"DC", "PR"}
    assert set(TILE_GRID) == expected
    assert len(set(TILE_GRID.values())) == len(TILE_GRID)

"""Input readers: every format, the fields carried, and every kind of bad record (no pipeline needed)."""

import datetime as dt
import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scomm_nlp.batch.readers import check_input_file, iter_input_files, iter_raw_records, parse_record
from scomm_nlp.batch.records import BatchUsageError, Fields

FIELDS = Fields()


def read_all(paths, fields=FIELDS, max_chars=10_000):
    files = list(iter_input_files(paths))
    for f in files:
        check_input_file(f, fields)
    return [parse_record(raw, fields, max_chars) for raw in iter_raw_records(files, fields)]


def test_txt_folder_is_recursive_sorted_and_ids_are_relative_paths(tmp_path):
    root = tmp_path / "archive"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "b.txt").write_text("Second file.", encoding="utf-8")
    (root / "a.txt").write_text("\ufeffFirst file.", encoding="utf-8")
    (root / "sub" / "deeper" / "c.TXT").write_text("Third file.", encoding="utf-8")
    (root / ".hidden.txt").write_text("never read", encoding="utf-8")
    (root / "notes.md").write_text("not an input", encoding="utf-8")
    docs = read_all([root])
    assert [(d.position, d.doc_id, d.text) for d in docs] == [
        (0, "a.txt", "First file."), (1, "b.txt", "Second file."), (2, "sub/deeper/c.TXT", "Third file.")]
    assert docs[2].source == str(root / "sub" / "deeper" / "c.TXT")
    assert all(d.error is None and d.date is None for d in docs)


@pytest.mark.parametrize("name", ["news.jsonl", "news.jsonl.gz"])
def test_jsonl_and_gzip_carry_id_date_title_url(tmp_path, jsonl_file, name):
    path = jsonl_file(tmp_path / "plain.jsonl", [
        {"id": 7, "text": "Illinois left Secure Communities.", "date": "2011-05-04T10:00:00Z",
         "title": "Quinn pulls out", "url": "https://example.org/q"},
        "   ",
        {"text": "No id here.", "date": None},
    ])
    if name.endswith(".gz"):
        target = tmp_path / name
        target.write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
        path = target
    first, second = read_all([path])
    assert (first.doc_id, first.date, first.title, first.url) == ("7", "2011-05-04", "Quinn pulls out",
                                                                  "https://example.org/q")
    assert first.text == "Illinois left Secure Communities."
    assert (second.position, second.doc_id, second.date) == (1, f"{path}:3", None)


def test_csv_with_multiline_fields_and_other_field_names(tmp_path):
    path = tmp_path / "news.csv"
    path.write_text('story_id,body,published\n'
                    'a1,"Cook County ended ICE holds.\n\nThe sheriff agreed.",2012-09-07\n'
                    'a2,Second story.,\n', encoding="utf-8")
    fields = Fields(text="body", id="story_id", date="published")
    first, second = read_all([path], fields)
    assert first.text == "Cook County ended ICE holds.\n\nThe sheriff agreed."
    assert (first.doc_id, first.date, second.doc_id, second.date) == ("a1", "2012-09-07", "a2", None)


def test_parquet_is_read_by_row_groups_with_typed_columns(tmp_path):
    path = tmp_path / "news.parquet"
    table = pa.table({"id": [1, 2, 3, 4, 5], "text": [f"Story {i}." for i in range(5)],
                      "date": [dt.date(2014, 11, 20 + i) for i in range(5)], "extra": list("abcde")})
    pq.write_table(table, path, row_group_size=2)
    assert pq.ParquetFile(path).num_row_groups == 3
    docs = read_all([path])
    assert [d.doc_id for d in docs] == ["1", "2", "3", "4", "5"]
    assert [d.date for d in docs][:2] == ["2014-11-20", "2014-11-21"]
    assert docs[4].text == "Story 4." and docs[4].position == 4


HTML = """<html><head><title>Quinn pulls out - The Daily</title>
<meta property="og:url" content="https://example.org/news/quinn">
<meta name="date" content="2011-05-04"></head>
<body><nav>Home | Sports | Weather</nav>
<article><h1>Quinn pulls out</h1>
<p>Gov. Pat Quinn said Illinois would withdraw from Secure Communities, the federal program that shares
fingerprints taken at county jails with immigration authorities.</p>
<p>The governor wrote to federal officials on Wednesday asking that the state be removed at once.</p>
</article><footer>All rights reserved.</footer></body></html>"""


def test_html_main_text_and_metadata(tmp_path):
    (tmp_path / "pages").mkdir()
    page = tmp_path / "pages" / "quinn.html"
    page.write_text(HTML, encoding="utf-8")
    [doc] = read_all([tmp_path / "pages"])
    assert doc.error is None
    assert "withdraw from Secure Communities" in doc.text
    assert "Sports" not in doc.text and "All rights reserved" not in doc.text
    assert (doc.doc_id, doc.title, doc.url, doc.date) == ("quinn.html", "Quinn pulls out",
                                                         "https://example.org/news/quinn", "2011-05-04")


def _bad(tmp_path, name, content: bytes, fields=FIELDS, max_chars=10_000):
    path = tmp_path / name
    path.write_bytes(content)
    docs = read_all([path], fields, max_chars)
    return path, docs


@pytest.mark.parametrize("name, content, expected", [
    ("a.jsonl", b'{"id": 1, "text": "fine"}\n{"id": 2, "text": \n', ":2: invalid JSON"),
    ("a.jsonl", b'{"id": 1, "text": "fine"}\n[1, 2]\n', ":2: expected a JSON object, got list"),
    ("a.jsonl", b'{"id": 1, "text": "fine"}\n{"id": 2}\n', ":2: text: missing"),
    ("a.jsonl", b'{"id": 1, "text": "fine"}\n{"id": 2, "text": null}\n', ":2: text: missing (null)"),
    ("a.jsonl", b'{"id": 1, "text": "fine"}\n{"id": 2, "text": 42}\n', ":2: text: not a string (got int)"),
    ("a.jsonl", b'{"id": 1, "text": "fine"}\n{"id": 2, "text": "caf\xe9"}\n', ":2: undecodable bytes"),
    ("a.jsonl", b'{"id": 1, "text": "fine"}\n{"id": 2, "text": "x", "date": "May 4"}\n',
     ":2: date: not a YYYY-MM-DD date"),
    ("a.jsonl", b'{"id": 1, "text": "fine"}\n{"id": 2, "text": "' + b"x" * 60 + b'"}\n',
     ":2: text: oversize: 60 characters, over max_chars=50"),
    ("a.csv", b'id,text\n1,fine\n2,"bad "quote" here\n', ":3: bad CSV row"),
    ("a.csv", b'id,text\n1,fine\n2,too,many\n', ":3: bad CSV row: 3 fields, the header has 2"),
    ("a.csv", b'id,text\n1,fine\n2,caf\xe9\n', ":3: text: undecodable bytes"),
    ("a.csv", b'id,text,title\n1,fine,ok\n2,x,caf\xe9\n', ":3: title: undecodable bytes"),
])
def test_bad_records_are_reported_with_file_line_and_field(tmp_path, name, content, expected):
    path, docs = _bad(tmp_path, name, content, max_chars=50)
    assert docs[0].error is None and docs[0].text == "fine"
    assert len(docs) == 2 and docs[1].position == 1
    assert docs[1].error is not None and docs[1].error.startswith(str(path))
    assert expected in docs[1].error, docs[1].error


def test_bad_whole_file_records(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad.txt").write_bytes(b"Illinois \xff\xfe left.")
    (folder / "big.txt").write_text("x" * 80, encoding="utf-8")
    (folder / "empty.html").write_text("<html><head><title>T</title></head><body><div></div></body></html>")
    (folder / "ok.txt").write_text("fine", encoding="utf-8")
    bad, big, empty, ok = read_all([folder], max_chars=50)
    assert "undecodable bytes: not UTF-8 (byte 0xff at offset 9)" in bad.error
    assert "oversize: 80 characters" in big.error
    assert "html: no main text found" in empty.error
    assert ok.error is None
    assert [d.doc_id for d in (bad, big, empty, ok)] == ["bad.txt", "big.txt", "empty.html", "ok.txt"]


def test_parquet_null_and_truncated_gzip(tmp_path):
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["fine", None]}), path)
    fine, null = read_all([path])
    assert fine.error is None and null.error == f"{path}:2: text: missing (null)"
    gz = tmp_path / "cut.jsonl.gz"
    gz.write_bytes(gzip.compress(b'{"text": "one"}\n{"text": "two"}\n' * 200)[:-30])
    docs = read_all([gz])
    assert docs[0].text == "one"
    assert "unreadable from here on" in docs[-1].error


def test_usage_errors(tmp_path):
    with pytest.raises(BatchUsageError, match="no such file or folder"):
        read_all([tmp_path / "missing"])
    (tmp_path / "x.docx").write_bytes(b"")
    with pytest.raises(BatchUsageError, match="unsupported input"):
        read_all([tmp_path / "x.docx"])
    (tmp_path / "c.csv").write_text("id,body\n1,x\n", encoding="utf-8")
    with pytest.raises(BatchUsageError, match=r"c.csv:1: no column 'text' \(columns: id, body\)"):
        read_all([tmp_path / "c.csv"])
    pq.write_table(pa.table({"body": ["x"]}), tmp_path / "p.parquet")
    with pytest.raises(BatchUsageError, match="no column 'text'"):
        read_all([tmp_path / "p.parquet"])
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(BatchUsageError, match="not a readable Parquet file"):
        read_all([tmp_path / "broken.parquet"])

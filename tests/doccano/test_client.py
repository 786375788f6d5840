"""The Doccano client's own behaviour, against scripted HTTP servers on 127.0.0.1: retries with backoff,
one-line errors, atomic pulls, offsets and meta data on the way in and out. Fast: no Doccano needed."""

from __future__ import annotations

import io
import json
import logging
import zipfile

import pytest
from typer.testing import CliRunner

from scomm_nlp.cli import app
from scomm_nlp.data.records import AnnotatedDoc, Relation, Span
from scomm_nlp.doccano_server import (
    META_KEY,
    DoccanoAuthError,
    DoccanoConnectionError,
    DoccanoServerError,
    DoccanoSession,
    RetryPolicy,
    analysis_to_doc,
    connect,
    export_record_to_ours,
    normalize_url,
    pull,
    read_credentials,
    text_color,
    upload_record,
)
from scomm_nlp.results import Analysis, Entity, Evidence, Stance


runner = CliRunner()
SECRET = "s3cret-Never-Shown-91f"


def json_answer(status: int, data, headers: dict | None = None) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(data).encode()


def quick(sleeps=None, attempts=5) -> RetryPolicy:
    """A retry policy that records its waits instead of sleeping."""
    return RetryPolicy(attempts=attempts, backoff=0.5, max_delay=8.0,
                       sleep=(sleeps.append if sleeps is not None else (lambda s: None)))


def login_ok(method, path, body):
    if path.startswith("/v1/auth/login/"):
        return 200, {"Content-Type": "application/json", "Set-Cookie": "csrftoken=tok123; Path=/"}, b'{"key": "k"}'
    return None


def test_login_retries_503_then_succeeds_with_exponential_backoff(fake_http):
    answers = iter([(503, {}, b"busy"), (503, {}, b"busy")])

    def route(method, path, body):
        return next(answers, None) or login_ok(method, path, body)

    server = fake_http(route)
    sleeps = []
    session = connect(server.url, "ann", SECRET, retry=quick(sleeps), prompt=False)
    assert session.username == "ann"
    assert server.requests == [("POST", "/v1/auth/login/")] * 3
    assert sleeps == [0.5, 1.0]
    assert SECRET not in repr(session)


def test_retry_after_header_is_honoured_and_capped(fake_http):
    answers = iter([(503, {"Retry-After": "3"}, b""), (503, {"Retry-After": "120"}, b"")])
    server = fake_http(lambda m, p, b: next(answers, None) or login_ok(m, p, b))
    sleeps = []
    connect(server.url, "ann", SECRET, retry=quick(sleeps), prompt=False)
    assert sleeps == [3.0, 8.0]


def test_500_is_not_retried_and_reads_as_one_line(fake_http):
    def route(method, path, body):
        if path.startswith("/v1/projects/"):
            return 500, {"Content-Type": "text/html"}, b"<html><h1>Server Error (500)</h1></html>"
        return login_ok(method, path, body)

    server = fake_http(route)
    session = connect(server.url, "ann", SECRET, retry=quick(), prompt=False)
    with pytest.raises(DoccanoServerError) as err:
        session.json("GET", "projects/3")
    assert err.value.status == 500
    assert str(err.value) == "Doccano server error 500 on GET /v1/projects/3 (see the server's log)"
    assert server.requests.count(("GET", "/v1/projects/3")) == 1


def test_persistent_503_gives_up_after_the_policy_s_attempts(fake_http):
    server = fake_http(lambda m, p, b: (503, {}, b"") if p.startswith("/v1/projects") else login_ok(m, p, b))
    sleeps = []
    session = connect(server.url, "ann", SECRET, retry=quick(sleeps, attempts=4), prompt=False)
    with pytest.raises(DoccanoServerError, match=r"error 503 on GET /v1/projects/1 after 4 attempts"):
        session.json("GET", "projects/1")
    assert sleeps == [0.5, 1.0, 2.0]


def test_504_on_a_post_that_creates_something_is_not_repeated(fake_http):
    server = fake_http(lambda m, p, b: (504, {}, b"") if p == "/v1/projects" else login_ok(m, p, b))
    session = connect(server.url, "ann", SECRET, retry=quick(), prompt=False)
    with pytest.raises(DoccanoServerError, match="504"):
        session.json("POST", "projects", json={"name": "x"})
    assert server.requests.count(("POST", "/v1/projects")) == 1


def test_dropped_connection_on_a_get_is_retried(fake_http):
    calls = {"n": 0}

    def route(method, path, body):
        if path.startswith("/v1/me"):
            calls["n"] += 1
            return None if calls["n"] == 1 else json_answer(200, {"username": "ann"})
        return login_ok(method, path, body)

    server = fake_http(route)
    sleeps = []
    session = connect(server.url, "ann", SECRET, retry=quick(sleeps), prompt=False)
    assert session.json("GET", "me") == {"username": "ann"}
    assert calls["n"] == 2 and sleeps == [0.5]


def test_refused_connection_is_one_clear_line_from_the_cli(monkeypatch, unused_port):
    url = f"http://127.0.0.1:{unused_port}"  # nothing listens there
    monkeypatch.setenv("DOCCANO_USERNAME", "ann")
    monkeypatch.setenv("DOCCANO_PASSWORD", SECRET)
    res = runner.invoke(app, ["doccano", "pull", "--url", url, "--project", "1", "--out", "x.jsonl"])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        f"error: cannot reach Doccano at {url}: connection refused (is the server running at that address?) "
        "(POST /v1/auth/login/)"]
    assert "Traceback" not in res.output and SECRET not in res.output


def test_wrong_url_and_non_doccano_server(fake_http, monkeypatch):
    monkeypatch.setenv("DOCCANO_USERNAME", "ann")
    monkeypatch.setenv("DOCCANO_PASSWORD", SECRET)
    res = runner.invoke(app, ["doccano", "setup-project", "--url", "127.0.0.1:8000", "--name", "x"])
    assert res.exit_code == 2 and "not a server URL: '127.0.0.1:8000'" in res.output
    other = fake_http(lambda m, p, b: (404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>"))
    res = runner.invoke(app, ["doccano", "setup-project", "--url", other.url + "/", "--name", "x"])
    assert res.exit_code == 2
    assert f"error: {other.url} does not look like a Doccano 1.x server (POST /v1/auth/login/ answered 404)" \
        in res.output
    html = fake_http(lambda m, p, b: (200, {"Content-Type": "text/html"}, b"<h1>hello</h1>"))
    with pytest.raises(DoccanoConnectionError, match="no CSRF cookie"):
        connect(html.url, "ann", SECRET, prompt=False)
    with pytest.raises(DoccanoConnectionError, match="host name not found"):
        connect("http://no-such-host.invalid:8000", "ann", SECRET, prompt=False, retry=quick())


def test_credentials_never_travel_in_the_url():
    with pytest.raises(DoccanoConnectionError) as err:
        normalize_url(f"http://admin:{SECRET}@127.0.0.1:8000")
    assert SECRET not in str(err.value) and "DOCCANO_PASSWORD" in str(err.value)
    assert normalize_url("http://127.0.0.1:8000/v1/") == "http://127.0.0.1:8000"


def test_credentials_come_from_the_environment_or_fail_clearly(monkeypatch):
    monkeypatch.setenv("DOCCANO_USERNAME", "ann")
    monkeypatch.setenv("DOCCANO_PASSWORD", SECRET)
    assert read_credentials(prompt=False) == ("ann", SECRET)
    monkeypatch.delenv("DOCCANO_PASSWORD")
    with pytest.raises(DoccanoAuthError, match="set DOCCANO_PASSWORD"):
        read_credentials(prompt=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: SECRET)
    assert read_credentials(prompt=True) == ("ann", SECRET)


def test_prompts_stay_off_standard_output(monkeypatch, capsys):
    monkeypatch.delenv("DOCCANO_USERNAME", raising=False)
    monkeypatch.delenv("DOCCANO_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("ann\n"))
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: stream.write(prompt) and SECRET)
    assert read_credentials(prompt=True) == ("ann", SECRET)
    out, err = capsys.readouterr()
    assert out == "" and err == "Doccano user name: Doccano password for ann: "


def test_wrong_password_message(fake_http):
    def route(method, path, body):
        return json_answer(400, {"non_field_errors": ["Unable to log in with provided credentials."]})

    server = fake_http(route)
    with pytest.raises(DoccanoAuthError) as err:
        connect(server.url, "ann", SECRET, prompt=False)
    assert str(err.value) == f"Doccano at {server.url} refused the login for user 'ann': wrong user name or password"


# --------------------------------------------------------------------------- pull through a scripted server

GOOD = {"id": 1, "text": "Gov. Pat Quinn 🎉 opposes Secure Communities.",
        "entities": [{"id": 1, "label": "GOVERNOR", "start_offset": 5, "end_offset": 14},
                     {"id": 2, "label": "PROGRAM", "start_offset": 26, "end_offset": 44}],
        "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "OPPOSES"}], "Comments": [],
        META_KEY: {"scomm_id": "q1", "date": "2011-05-04"}}


def zip_of(records) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("all.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return buf.getvalue()


def fake_doccano(download: "callable") -> "callable":
    """Routes for login, one valid project and an export whose download is ``download()``."""

    def route(method, path, body):
        if path.startswith("/v1/auth/login/"):
            return login_ok(method, path, body)
        if path == "/v1/projects/1":
            return json_answer(200, {"id": 1, "name": "p", "project_type": "SequenceLabeling", "use_relation": True,
                                     "collaborative_annotation": True})
        if path == "/v1/projects/1/span-types":
            return json_answer(200, [{"id": 1, "text": "GOVERNOR"}, {"id": 2, "text": "PROGRAM"}])
        if path == "/v1/projects/1/relation-types":
            return json_answer(200, [{"id": 1, "text": "OPPOSES"}])
        if path == "/v1/projects/1/download" and method == "POST":
            return json_answer(200, {"task_id": "t1"})
        if path.startswith("/v1/tasks/status/t1"):
            return json_answer(200, {"ready": True, "result": "/x.zip", "error": None})
        if path.startswith("/v1/projects/1/download?taskId=t1"):
            return download()
        return json_answer(404, {"detail": "Not found."})

    return route


def test_truncated_download_never_replaces_a_good_file(fake_http, tmp_path):
    payload = zip_of([GOOD])
    server = fake_http(fake_doccano(lambda: (200, {"Content-Type": "application/zip", "Connection": "close",
                                                    "Content-Length": str(len(payload))}, payload[:-40])))
    out = tmp_path / "pulled.jsonl"
    out.write_text("the good file\n", encoding="utf-8")
    session = connect(server.url, "ann", SECRET, retry=quick(attempts=3), prompt=False)
    with pytest.raises(DoccanoServerError, match=r"could not be downloaded whole: .*after 3 attempts"):
        pull(session, 1, out)
    assert out.read_text(encoding="utf-8") == "the good file\n"
    assert sum(1 for r in server.requests if r[1].startswith("/v1/projects/1/download?")) == 3
    assert not list(tmp_path.glob(".pulled.jsonl.*")), "no temporary file left behind"


@pytest.mark.slow  # reads through the validating reader, which loads spaCy
def test_a_broken_download_is_fetched_again_and_converted(fake_http, tmp_path):
    payload = zip_of([{**GOOD, "entities": [{**GOOD["entities"][0]},
                                            # UTF-16 units: the emoji before this span counts twice
                                            {**GOOD["entities"][1], "start_offset": 27, "end_offset": 45}]}])
    answers = iter([(200, {"Content-Type": "application/zip"}, b"PK\x03\x04 not a whole zip")])
    server = fake_http(fake_doccano(lambda: next(answers, None) or (200, {"Content-Type": "application/zip"}, payload)))
    out = tmp_path / "pulled.jsonl"
    session = connect(server.url, "ann", SECRET, retry=quick(), prompt=False)
    result = pull(session, 1, out)
    assert result.written == out and not result.errors
    record = json.loads(out.read_text(encoding="utf-8"))
    assert [record["text"][e["start_offset"]:e["end_offset"]] for e in record["entities"]] == \
        ["Pat Quinn", "Secure Communities"]
    assert record["scomm_id"] == "q1" and record["date"] == "2011-05-04" and META_KEY not in record


@pytest.mark.slow  # reads through the validating reader, which loads spaCy
def test_export_with_errors_is_not_written_unless_allowed(fake_http, tmp_path, monkeypatch):
    bad = {**GOOD, "relations": [{"id": 1, "from_id": 2, "to_id": 1, "type": "OPPOSES"}]}  # PROGRAM opposes a person
    payload = zip_of([bad])
    server = fake_http(fake_doccano(lambda: (200, {"Content-Type": "application/zip"}, payload)))
    monkeypatch.setenv("DOCCANO_USERNAME", "ann")
    monkeypatch.setenv("DOCCANO_PASSWORD", SECRET)
    out = tmp_path / "pulled.jsonl"
    res = runner.invoke(app, ["doccano", "pull", "--url", server.url, "--project", "1", "--out", str(out)])
    assert res.exit_code == 1
    assert "project 1 export all.jsonl:1: error: relations[0]: OPPOSES does not allow PROGRAM -> GOVERNOR" in res.output
    assert "not written" in res.output and not out.exists()
    res = runner.invoke(app, ["doccano", "pull", "--url", server.url, "--project", "1", "--out", str(out),
                              "--allow-errors"])
    assert res.exit_code == 0 and out.exists()
    assert json.loads(out.read_text(encoding="utf-8"))["relations"] == []


# --------------------------------------------------------------------------- records in and out


def test_upload_record_counts_utf16_and_packs_meta():
    doc = AnnotatedDoc(7, "🎉 Gov. Pat Quinn", [Span(1, 7, 16, "GOVERNOR")], [],
                       {"date": "2011-05-04", "Comments": ["x"], "n": 3})
    record = upload_record(doc)
    assert record["entities"] == [{"id": 1, "label": "GOVERNOR", "start_offset": 8, "end_offset": 17}]
    assert record[META_KEY] == {"date": "2011-05-04", "n": 3, "scomm_id": 7}
    assert set(record) == {"text", "entities", "relations", META_KEY}
    back = export_record_to_ours({"id": 99, **record})
    assert back["entities"][0]["start_offset"] == 7 and back["scomm_id"] == 7 and back["n"] == 3
    again = upload_record(AnnotatedDoc(99, doc.text, doc.spans, [], {"scomm_id": 7}))
    assert again[META_KEY]["scomm_id"] == 7, "the first id is kept across a pull and a second push"


def test_analysis_to_doc_keeps_only_what_the_scheme_allows():
    text = "Gov. Pat Quinn said Illinois would leave Secure Communities."
    quinn = Entity("Pat Quinn", "GOVERNOR", 5, 14, "Pat Quinn")
    illinois = Entity("Illinois", "JURISDICTION", 20, 28, "Illinois")
    overlap = Entity("Quinn said", "OFFICIAL", 9, 19, "x")
    program = Entity("Secure Communities", "PROGRAM", 41, 59, "Secure Communities")
    ev = Evidence(text, 0, len(text))
    analysis = Analysis(text, [quinn, overlap, illinois, program], [
        Stance(quinn, "OPPOSES", program, 0.9, ev), Stance(quinn, "OPPOSES", program, 0.8, ev),
        Stance(quinn, "COMPELS", program, 0.7, ev), Stance(overlap, "SUPPORTS", program, 0.6, ev)], model="m-1")
    doc = analysis_to_doc(analysis, "d1", {"date": "2011-05-04"})
    assert [(s.start, s.end, s.label) for s in doc.spans] == [(5, 14, "GOVERNOR"), (20, 28, "JURISDICTION"),
                                                              (41, 59, "PROGRAM")]
    assert doc.relations == [Relation(1, 1, 3, "OPPOSES")]
    assert doc.meta == {"date": "2011-05-04", "scomm_model": "m-1"}


def test_label_text_colour_reads_on_its_background():
    assert text_color("#f4a261") == "#000000" and text_color("#6a4c93") == "#ffffff"


def test_retry_warnings_name_no_secret(fake_http, caplog):
    answers = iter([(502, {}, b"")])
    server = fake_http(lambda m, p, b: next(answers, None) or login_ok(m, p, b))
    caplog.set_level(logging.DEBUG)
    connect(server.url, "ann", SECRET, retry=quick(), prompt=False)
    assert "POST /v1/auth/login/: server answered 502; retrying in 0.5s (attempt 2 of 5)" in caplog.text
    assert SECRET not in caplog.text


def test_session_without_login_names_no_user(fake_http):
    server = fake_http(lambda m, p, b: json_answer(403, {"detail": "Authentication credentials were not provided."}))
    session = DoccanoSession(server.url, retry=quick())
    with pytest.raises(DoccanoAuthError, match=r"refused GET /v1/projects for an anonymous user \(403\)"):
        session.json("GET", "projects")


@pytest.mark.slow  # reads through the validating reader, which loads spaCy
def test_push_inputs_stop_on_unreadable_documents_and_set_aside_replaced_annotations(tmp_path, write_jsonl,
                                                                                    quinn_record):
    (tmp_path / "note.txt").write_text("Sheriff Vicki Hennessy met ICE officials.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    bad_span = {**quinn_record, "id": 8, "entities": quinn_record["entities"] + [
        {"id": 4, "label": "PERSON", "start_offset": 0, "end_offset": 4}]}
    export = write_jsonl([quinn_record, {**bad_span, "text": quinn_record["text"] + " Really."},
                          {**quinn_record, "id": 7}])
    from scomm_nlp.doccano_server import read_push_inputs

    replaced = read_push_inputs([tmp_path / "note.txt", tmp_path / "empty.txt", export])
    assert [d.id for d in replaced.docs] == ["note", 7, 8, 7]
    assert replaced.blocking == [] and replaced.annotated == 3 and replaced.ignored == 1
    assert [(i.severity, i.line, i.message.split(" (")[0]) for i in replaced.warnings] == [
        ("warning", 0, "empty text: not pushed"), ("warning", 3, "duplicate document id 7"),
        ("warning", 3, f"duplicate of {export}:1")]
    kept = read_push_inputs([export], keep_annotations=True)
    assert [(i.line, i.field) for i in kept.blocking] == [(2, "entities[3].label"), (3, "id")]
    broken = write_jsonl(['{"id": 1, "text": "Gov. Quinn"', {"id": 2}], name="broken.jsonl")
    stopped = read_push_inputs([broken, tmp_path / "missing.txt"])
    assert [(i.line, i.field) for i in stopped.blocking] == [(1, "<json>"), (2, "text"), (0, "<file>")]

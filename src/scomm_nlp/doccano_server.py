"""Live round trip with a Doccano 1.8 server: set up a project, push pre-annotated texts, pull the work back.

Everything goes through Doccano's REST API (``/v1/...``) with ``requests`` and a logged-in session
(cookie + CSRF token), as the web client does:

* :func:`setup_project` creates a sequence-labelling project with relations switched on and
  collaborative annotation (annotators see and correct the pre-annotations instead of starting from
  an empty page), with the scheme's six span labels and three relation types in ``scheme.COLORS``;
* :func:`push` uploads documents with their spans and relations as Doccano relation JSONL;
* :func:`pull` downloads the export, checks it with :func:`scomm_nlp.data.doccano.read_doccano` and
  writes relation JSONL for ``scomm-nlp train`` atomically: a failed or partial download, or an
  export with errors, never replaces a good file.

Offsets: Doccano's web client counts offsets in UTF-16 code units (a JavaScript string's indices), so
an emoji counts twice. :func:`push` uploads UTF-16 offsets so that the spans sit where they should in
the browser, and :func:`pull` converts the export back to Python character offsets.

Credentials come from ``DOCCANO_USERNAME`` / ``DOCCANO_PASSWORD`` or a prompt. The password is only
ever sent in the login request: it is not kept, logged, written or put in an exception message.
Transient failures (connection reset, 502, 503, 504, time-outs) are retried with exponential
backoff when repeating the request cannot do anything twice.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit

from scomm_nlp import scheme
from scomm_nlp.data.doccano import ReadResult
from scomm_nlp.data.records import AnnotatedDoc, Issue, Relation, Span

log = logging.getLogger(__name__)

USERNAME_ENV = "DOCCANO_USERNAME"
PASSWORD_ENV = "DOCCANO_PASSWORD"

PROJECT_TYPE = "SequenceLabeling"
RESOURCE_TYPE = "SequenceLabelingProject"
EXPORT_FORMAT = "JSONL"
IMPORT_TASK = "RelationExtraction"

#: Answers worth another try: the server or a proxy in front of it is briefly unavailable.
TRANSIENT_STATUS = frozenset({502, 503, 504})
#: Methods that do the same thing however often they are sent.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: POSTs that can be repeated safely: logging in, staging an upload file, scheduling an export.
REPEATABLE_POSTS = ("auth/login/", "fp/process/", "/download")
#: The field that carries a document's meta data through Doccano (see :func:`upload_record`).
META_KEY = "scomm_meta"


# --------------------------------------------------------------------------- errors


class DoccanoError(Exception):
    """A failure talking to Doccano. ``str()`` is one line for a terminal and never holds a credential."""


class DoccanoConnectionError(DoccanoError):
    """The server could not be reached, or what answered is not a Doccano server."""


class DoccanoAuthError(DoccanoError):
    """Login refused, or the user may not do what was asked."""


class DoccanoProjectError(DoccanoError):
    """The project is missing or does not fit the scheme."""


class DoccanoServerError(DoccanoError):
    """The server answered with an error status (after retries for transient ones)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------- session


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; the wait before try n+1 is ``backoff * 2**(n-1)`` seconds, at most
    ``max_delay`` (a ``Retry-After`` header, when shorter than ``max_delay``, wins)."""

    attempts: int = 5
    backoff: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(self.max_delay, float(retry_after))
        return min(self.max_delay, self.backoff * 2 ** (attempt - 1))


def normalize_url(url: str) -> str:
    """The server's base URL without a trailing slash or ``/v1``; refuses credentials inside the URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DoccanoConnectionError(f"not a server URL: {url!r} (expected http://HOST:PORT, "
                                     "e.g. http://127.0.0.1:8000)")
    if parts.username or parts.password:
        # the URL itself is not repeated: it holds a credential
        raise DoccanoConnectionError(f"the server URL must not contain a user name or password: set {USERNAME_ENV} "
                                     f"and {PASSWORD_ENV} instead")
    try:
        parts.port
    except ValueError:
        raise DoccanoConnectionError(f"not a server URL: {url!r} (bad port)") from None
    base = url.strip().rstrip("/")
    if base.endswith("/v1"):
        base = base[: -len("/v1")]
    return base


def _failure_chain(exc: BaseException) -> str:
    """Type names and messages of an exception and everything it wraps, for classifying it."""
    seen, parts, todo = set(), [], [exc]
    while todo:
        item = todo.pop()
        if id(item) in seen or item is None:
            continue
        seen.add(id(item))
        parts.append(f"{type(item).__name__}: {item}")
        if isinstance(item, BaseException):
            todo.extend(a for a in item.args if isinstance(a, BaseException))
            todo.extend([getattr(item, "reason", None), item.__cause__, item.__context__])
    return " | ".join(parts).lower()


def describe_failure(exc: Exception) -> tuple[str, bool, bool]:
    """``(what happened, request maybe reached the server, worth retrying)`` for a requests exception."""
    import requests

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connection timed out", False, True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "no answer in time", True, True
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (http:// vs https://?)", False, False
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "connection broken while reading the answer", True, True
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return "invalid URL", False, False
    chain = _failure_chain(exc)
    if "refused" in chain:
        return "connection refused (is the server running at that address?)", False, False
    if any(s in chain for s in ("name or service not known", "nodename nor servname", "getaddrinfo",
                                "nameresolution", "temporary failure in name resolution")):
        return "host name not found", False, False
    if any(s in chain for s in ("reset", "aborted", "remotedisconnected", "broken pipe", "brokenpipe")):
        return "connection reset by the server", True, True
    return "connection failed", True, True


def _detail(resp) -> str:
    """A short, single-line account of an error answer (JSON detail only; HTML pages are left out)."""
    try:
        body = resp.json()
    except ValueError:
        return ""
    text = json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


class DoccanoSession:
    """A logged-in conversation with one Doccano server: requests with retries and one-line errors.

    ``repr()`` and every message name the server and the user, never the password (which is not kept).
    """

    def __init__(self, url: str, *, retry: RetryPolicy | None = None, timeout: tuple[float, float] = (10.0, 300.0)):
        import requests

        self.url = normalize_url(url)
        self.api = self.url + "/v1/"
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.username: str | None = None
        self._http = requests.Session()
        self._http.headers.update({"Accept": "application/json", "Referer": self.url + "/"})

    def __repr__(self) -> str:
        return f"DoccanoSession(url={self.url!r}, user={self.username!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "DoccanoSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----------------------------------------------------------------- transport

    def _repeatable(self, method: str, path: str) -> bool:
        return method in IDEMPOTENT_METHODS or (method == "POST" and path.rstrip("/").endswith(
            tuple(p.rstrip("/") for p in REPEATABLE_POSTS)))

    def request(self, method: str, path: str, *, expect: Iterable[int] | None = (200, 201, 204), **kwargs):
        """Send ``method /v1/path``; retry transient failures; raise :class:`DoccanoError` on anything else.

        ``expect=None`` returns whatever status came back (after retries), for callers that map
        statuses to their own messages.
        """
        import requests

        method = method.upper()
        url = self.api + path.lstrip("/")
        shown = f"{method} /v1/{path.lstrip('/').split('?')[0]}"
        kwargs.setdefault("timeout", self.timeout)
        repeatable = self._repeatable(method, path)
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self._http.request(method, url, **kwargs)
            except requests.exceptions.RequestException as exc:
                what, maybe_sent, transient = describe_failure(exc)
                if transient and (repeatable or not maybe_sent) and attempt < self.retry.attempts:
                    delay = self.retry.delay(attempt)
                    log.warning("%s: %s; retrying in %.1fs (attempt %d of %d)", shown, what, delay, attempt + 1,
                                self.retry.attempts)
                    self.retry.sleep(delay)
                    continue
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                unsure = "; it may or may not have been applied" if maybe_sent and not repeatable else ""
                raise DoccanoConnectionError(f"cannot reach Doccano at {self.url}: {what}{tries} ({shown}{unsure})") \
                    from None
            # 502 and 503 come from a proxy that could not reach the app, or an app that turned the request
            # away: nothing was done, so even a creating POST may go again; after a 504 it may have been
            if (resp.status_code in TRANSIENT_STATUS and attempt < self.retry.attempts
                    and (repeatable or resp.status_code in (502, 503))):
                delay = self.retry.delay(attempt, resp.headers.get("Retry-After"))
                log.warning("%s: server answered %d; retrying in %.1fs (attempt %d of %d)", shown, resp.status_code,
                            delay, attempt + 1, self.retry.attempts)
                resp.close()
                self.retry.sleep(delay)
                continue
            if expect is not None and resp.status_code not in set(expect):
                self._raise_for(resp, shown, attempt)
            return resp

    def _raise_for(self, resp, shown: str, attempt: int) -> None:
        status = resp.status_code
        detail = _detail(resp)
        detail = f": {detail}" if detail else ""
        tries = f" after {attempt} attempts" if attempt > 1 else ""
        if status in (401, 403):
            who = f"user {self.username!r}" if self.username else "an anonymous user"
            raise DoccanoAuthError(f"Doccano at {self.url} refused {shown} for {who} ({status}){detail}")
        if status >= 500:
            raise DoccanoServerError(f"Doccano server error {status} on {shown}{tries}{detail} "
                                     "(see the server's log)", status)
        raise DoccanoServerError(f"Doccano answered {status} to {shown}{detail}", status)

    def json(self, method: str, path: str, **kwargs) -> Any:
        resp = self.request(method, path, **kwargs)
        try:
            return resp.json() if resp.content else None
        except ValueError:
            raise DoccanoConnectionError(f"{self.url} answered {method} /v1/{path} with something that is not "
                                         "JSON: is this a Doccano server?") from None

    def paginated(self, path: str, **params) -> Iterator[dict]:
        """Every item of a paginated list (``limit``/``offset`` pages, ``results`` + ``next``)."""
        offset = 0
        while True:
            page = self.json("GET", path, params={**params, "limit": 100, "offset": offset})
            if isinstance(page, list):  # an unpaginated list
                yield from page
                return
            items = page.get("results", [])
            yield from items
            offset += len(items)
            if not page.get("next") or not items:
                return

    # ----------------------------------------------------------------- login

    def login(self, username: str, password: str) -> None:
        """Log in with the session cookie and CSRF token, as the web client does."""
        if not username or not password:
            raise DoccanoAuthError(f"a Doccano user name and password are needed (set {USERNAME_ENV} and "
                                   f"{PASSWORD_ENV})")
        resp = self.request("POST", "auth/login/", json={"username": username, "password": password}, expect=None)
        if resp.status_code in (400, 401, 403):
            raise DoccanoAuthError(f"Doccano at {self.url} refused the login for user {username!r}: "
                                   "wrong user name or password")
        if resp.status_code == 404:
            raise DoccanoConnectionError(f"{self.url} does not look like a Doccano 1.x server (POST /v1/auth/login/ "
                                         "answered 404): give the server's base URL, e.g. http://127.0.0.1:8000")
        if resp.status_code >= 300:
            self._raise_for(resp, "POST /v1/auth/login/", 1)
        token = self._http.cookies.get("csrftoken")
        if not token or "json" not in resp.headers.get("Content-Type", ""):
            raise DoccanoConnectionError(f"{self.url} does not look like a Doccano 1.x server (its login answer "
                                         "has no CSRF cookie)")
        self._http.headers["X-CSRFToken"] = token
        self.username = username


def read_credentials(username: str | None = None, password: str | None = None, *,
                     prompt: bool | None = None) -> tuple[str, str]:
    """User name and password: the arguments, else ``DOCCANO_USERNAME``/``DOCCANO_PASSWORD``, else a prompt
    (when standard input is a terminal, or ``prompt=True``). The password is read without echo."""
    username = username or os.environ.get(USERNAME_ENV) or None
    password = password or os.environ.get(PASSWORD_ENV) or None
    if prompt is None:
        prompt = sys.stdin is not None and sys.stdin.isatty()
    if (username is None or password is None) and not prompt:
        missing = " and ".join(n for n, v in ((USERNAME_ENV, username), (PASSWORD_ENV, password)) if v is None)
        raise DoccanoAuthError(f"no Doccano credentials: set {missing} (there is no terminal to prompt on)")
    # prompts go to the terminal or standard error: standard output may be captured (PROJECT=$(...))
    if username is None:
        sys.stderr.write("Doccano user name: ")
        sys.stderr.flush()
        username = sys.stdin.readline().strip()
    if password is None:
        password = getpass.getpass(f"Doccano password for {username}: ", stream=sys.stderr)
    return username, password


def connect(url: str, username: str | None = None, password: str | None = None, *, prompt: bool | None = None,
            retry: RetryPolicy | None = None, timeout: tuple[float, float] = (10.0, 300.0)) -> DoccanoSession:
    """A logged-in :class:`DoccanoSession` (credentials as in :func:`read_credentials`; ``timeout`` is
    (connect, read) seconds per request)."""
    session = DoccanoSession(url, retry=retry, timeout=timeout)
    user, secret = read_credentials(username, password, prompt=prompt)
    try:
        session.login(user, secret)
    except DoccanoError:
        session.close()
        raise
    finally:
        del secret
    return session


# --------------------------------------------------------------------------- projects


@dataclass(frozen=True)
class ProjectInfo:
    """What scomm-nlp needs to know about a Doccano project."""

    id: int
    name: str
    project_type: str
    use_relation: bool
    collaborative: bool
    span_types: dict[str, int] = field(default_factory=dict)
    relation_types: dict[str, int] = field(default_factory=dict)


def get_project(session: DoccanoSession, project_id: int) -> ProjectInfo:
    """The project with its label types; a clear error when it does not exist or is out of reach."""
    resp = session.request("GET", f"projects/{project_id}", expect=None)
    if resp.status_code == 404:
        raise DoccanoProjectError(f"no project {project_id} on {session.url}")
    if resp.status_code == 403:
        raise DoccanoProjectError(f"user {session.username!r} is not a member of project {project_id} on {session.url}")
    if resp.status_code != 200:
        session._raise_for(resp, f"GET /v1/projects/{project_id}", 1)
    data = resp.json()
    spans = {t["text"]: t["id"] for t in session.json("GET", f"projects/{project_id}/span-types")}
    rels = {t["text"]: t["id"] for t in session.json("GET", f"projects/{project_id}/relation-types")}
    return ProjectInfo(int(data["id"]), str(data.get("name", "")), str(data.get("project_type", "")),
                       bool(data.get("use_relation")), bool(data.get("collaborative_annotation")), spans, rels)


def check_project(info: ProjectInfo) -> None:
    """Raise :class:`DoccanoProjectError` unless the project is a relation-enabled sequence-labelling
    project whose labels all belong to the scheme (missing ones are fine: :func:`ensure_label_types`)."""
    where = f"project {info.id} ({info.name!r})"
    if info.project_type != PROJECT_TYPE:
        raise DoccanoProjectError(f"{where} is a {info.project_type or 'unknown'} project; scomm-nlp needs a "
                                  f"{PROJECT_TYPE} project with relations (create one with `scomm-nlp doccano "
                                  "setup-project`)")
    if not info.use_relation:
        raise DoccanoProjectError(f"{where} has relation labelling switched off; scomm-nlp needs it for stances "
                                  "(create a project with `scomm-nlp doccano setup-project`)")
    extra_spans = sorted(set(info.span_types) - set(scheme.ENTITY_LABELS))
    extra_rels = sorted(set(info.relation_types) - set(scheme.RELATION_TYPES))
    if extra_spans or extra_rels:
        found = "; ".join(part for part in (
            f"span labels {', '.join(extra_spans)}" if extra_spans else "",
            f"relation types {', '.join(extra_rels)}" if extra_rels else "") if part)
        raise DoccanoProjectError(f"{where} has labels outside the scheme: {found} (the scheme has span labels "
                                  f"{', '.join(scheme.ENTITY_LABELS)} and relation types "
                                  f"{', '.join(scheme.RELATION_TYPES)})")


def text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (``#rrggbb``)."""
    r, g, b = (int(background[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def ensure_label_types(session: DoccanoSession, info: ProjectInfo) -> list[str]:
    """Create the scheme's span labels (on keys 1-6 where free) and relation types that the project lacks;
    return their names."""
    created = []
    used_keys = {t.get("suffix_key") for t in session.json("GET", f"projects/{info.id}/span-types")}
    for key, label in enumerate(scheme.ENTITY_LABELS, start=1):
        if label not in info.span_types:
            color = scheme.COLORS[label]
            session.json("POST", f"projects/{info.id}/span-types", json={
                "text": label, "background_color": color, "text_color": text_color(color),
                "suffix_key": str(key) if str(key) not in used_keys else None})
            created.append(label)
    for rel_type in scheme.RELATION_TYPES:
        if rel_type not in info.relation_types:
            color = scheme.COLORS[rel_type]
            session.json("POST", f"projects/{info.id}/relation-types", json={
                "text": rel_type, "background_color": color, "text_color": text_color(color)})
            created.append(rel_type)
    return created


def find_projects(session: DoccanoSession, name: str) -> list[int]:
    """Ids of the projects the user can see that are called ``name``."""
    return [int(p["id"]) for p in session.paginated("projects") if p.get("name") == name]


def _member_ids(session: DoccanoSession, usernames: Iterable[str], role: str) -> tuple[list[int], int]:
    """User ids of existing accounts and the id of ``role``; a clear error for an unknown name."""
    ids = []
    for username in usernames:
        found = [u["id"] for u in session.json("GET", "users", params={"q": username}) if u.get("username") == username]
        if not found:
            raise DoccanoProjectError(f"no Doccano user {username!r} on {session.url} (create the account first)")
        ids.append(found[0])
    roles = {r["name"]: r["id"] for r in session.json("GET", "roles")}
    if role not in roles:
        raise DoccanoProjectError(f"no role {role!r} on {session.url} (roles: {', '.join(sorted(roles))})")
    return ids, roles[role]


def add_member(session: DoccanoSession, project_id: int, username: str, role: str = "annotator") -> None:
    """Make an existing Doccano user a member of the project with ``role``."""
    (user_id,), role_id = _member_ids(session, [username], role)
    session.json("POST", f"projects/{project_id}/members", json={"user": user_id, "role": role_id})


def setup_project(session: DoccanoSession, name: str, *, description: str = "", guideline: str = "",
                  members: Iterable[str] = ()) -> ProjectInfo:
    """Create a collaborative, relation-enabled sequence-labelling project with the scheme's labels."""
    name = name.strip()
    if not name:
        raise DoccanoProjectError("the project needs a name")
    existing = find_projects(session, name)
    if existing:
        raise DoccanoProjectError(f"a project named {name!r} already exists on {session.url} (id "
                                  f"{', '.join(map(str, existing))}); use it with --project or choose another name")
    member_ids, role_id = _member_ids(session, members, "annotator")  # unknown names stop us before anything exists
    data = session.json("POST", "projects", json={
        "name": name,
        "description": description or "Stances on U.S. immigration-enforcement programs (scomm-nlp scheme)",
        "guideline": guideline or "See annotations/GUIDELINES.md in the scomm-nlp repository.",
        "project_type": PROJECT_TYPE, "resourcetype": RESOURCE_TYPE,
        "use_relation": True, "collaborative_annotation": True, "allow_overlapping": False,
        "grapheme_mode": False, "random_order": False, "tags": [],
    })
    info = get_project(session, int(data["id"]))
    ensure_label_types(session, info)
    for user_id in member_ids:
        session.json("POST", f"projects/{info.id}/members", json={"user": user_id, "role": role_id})
    return get_project(session, info.id)


# --------------------------------------------------------------------------- tasks


def wait_for_task(session: DoccanoSession, task_id: str, *, timeout: float = 600.0, poll: float = 0.25) -> dict:
    """Poll Doccano's task status until the (Celery) task is done; return its status record."""
    deadline = time.monotonic() + timeout
    while True:
        status = session.json("GET", f"tasks/status/{task_id}")
        if status.get("error"):
            error = " ".join(str(status["error"]).split())[:300]
            raise DoccanoServerError(f"a Doccano background task failed: {error}", 500)
        if status.get("ready"):
            return status
        if time.monotonic() > deadline:
            raise DoccanoServerError(f"Doccano's background task did not finish within {timeout:.0f}s: is its task "
                                     "queue (`doccano task`) running?", 504)
        time.sleep(poll)


# --------------------------------------------------------------------------- push


def upload_record(doc: AnnotatedDoc) -> dict:
    """One document as a line of Doccano's relation JSONL import, offsets in UTF-16 units.

    Doccano gives every document its own id. Ours (``scomm_id``, set once: a document pulled and
    pushed again keeps its first id) and the rest of the meta data travel in one field, ``scomm_meta``:
    Doccano reads an upload through a table, which turns a key missing from some lines into NaN (and
    then fails) and integers into floats; one object per line keeps every value as it was.
    """
    from scomm_nlp.data.doccano import doc_to_record

    record = doc_to_record(AnnotatedDoc(doc.id, doc.text, doc.spans, doc.relations), utf16=True)
    meta = {k: v for k, v in doc.meta.items() if k != "Comments"}  # Comments: Doccano's own column
    if "scomm_id" not in meta and doc.id is not None:
        meta["scomm_id"] = doc.id
    return {"text": record["text"], "entities": record["entities"], "relations": record["relations"],
            META_KEY: meta}


def count_examples(session: DoccanoSession, project_id: int) -> int:
    return int(session.json("GET", f"projects/{project_id}/examples", params={"limit": 1})["count"])


def upload_records(session: DoccanoSession, project_id: int, records: list[dict], *, name: str = "scomm-nlp.jsonl",
                   timeout: float = 600.0) -> None:
    """Stage one JSONL file and have Doccano import it as relation data (UTF-8, stated, not guessed)."""
    data = "".join(json.dumps(r, ensure_ascii=True) + "\n" for r in records).encode("ascii")
    resp = session.request("POST", "fp/process/", files={"filepond": (name, data, "application/octet-stream")},
                           headers={"Accept": "*/*"})
    upload_id = resp.text.strip()
    task = session.json("POST", f"projects/{project_id}/upload", json={
        "uploadIds": [upload_id], "task": IMPORT_TASK, "format": EXPORT_FORMAT, "encoding": "utf_8"})
    status = wait_for_task(session, task["task_id"], timeout=timeout)
    errors = (status.get("result") or {}).get("error") or []
    if errors:
        shown = "; ".join(" ".join(str(e.get("message", e) if isinstance(e, dict) else e).split()) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise DoccanoServerError(f"Doccano rejected part of the upload: {shown}{more}", 422)


@dataclass
class PushResult:
    project: ProjectInfo
    documents: int
    spans: int
    relations: int
    stored: int
    created_labels: list[str] = field(default_factory=list)


def push(session: DoccanoSession, project_id: int, docs: list[AnnotatedDoc], *, batch_size: int = 500,
         timeout: float = 600.0) -> PushResult:
    """Upload documents with their spans and relations as pre-annotations into a checked project."""
    info = get_project(session, project_id)
    check_project(info)
    created = ensure_label_types(session, info)
    before = count_examples(session, project_id)
    for start in range(0, len(docs), batch_size):
        chunk = docs[start:start + batch_size]
        upload_records(session, project_id, [upload_record(d) for d in chunk],
                       name=f"scomm-nlp-{start // batch_size + 1:04d}.jsonl", timeout=timeout)
        log.info("pushed %d of %d documents", start + len(chunk), len(docs))
    stored = count_examples(session, project_id) - before
    return PushResult(info, len(docs), sum(len(d.spans) for d in docs), sum(len(d.relations) for d in docs),
                      stored, created)


def _iso_date_or_none(value) -> str | None:
    import datetime as dt

    try:
        return dt.date.fromisoformat(str(value)).isoformat() if value else None
    except ValueError:
        return None


def analysis_to_doc(analysis, doc_id=None, meta: dict | None = None) -> AnnotatedDoc:
    """Entities and stances of an :class:`~scomm_nlp.results.Analysis` as an :class:`AnnotatedDoc`:
    non-overlapping scheme spans, and the stances whose arguments are among them and fit the scheme."""
    spans: list[Span] = []
    by_offsets: dict[tuple[int, int], Span] = {}
    for ent in sorted(analysis.entities, key=lambda e: (e.start, -e.end)):
        if ent.label not in scheme.ENTITY_LABELS or (spans and ent.start < spans[-1].end):
            continue
        span = Span(len(spans) + 1, ent.start, ent.end, ent.label)
        spans.append(span)
        by_offsets[(ent.start, ent.end)] = span
    relations: list[Relation] = []
    seen = set()
    for stance in analysis.stances:
        actor = by_offsets.get((stance.actor.start, stance.actor.end))
        target = by_offsets.get((stance.target.start, stance.target.end))
        if actor is None or target is None or not scheme.relation_allowed(stance.type, actor.label, target.label):
            continue
        key = (actor.id, stance.type, target.id)
        if key not in seen:
            seen.add(key)
            relations.append(Relation(len(relations) + 1, actor.id, target.id, stance.type))
    meta = dict(meta or {})
    if analysis.model:
        meta["scomm_model"] = analysis.model
    return AnnotatedDoc(doc_id, analysis.text, spans, relations, meta)


def preannotate(docs: Iterable[AnnotatedDoc], nlp) -> list[AnnotatedDoc]:
    """Replace each document's annotations by the pipeline's entities and stances (meta ``date`` is used)."""
    import scomm_nlp

    out = []
    for doc in docs:
        analysis = scomm_nlp.analyze(doc.text, date=_iso_date_or_none(doc.meta.get("date")), nlp=nlp)
        out.append(analysis_to_doc(analysis, doc.id, doc.meta))
    return out


def _input_files(paths: Iterable[str | Path]) -> list[Path]:
    from scomm_nlp.data.doccano import EXPORT_SUFFIXES

    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and str(p).endswith((".txt",) + EXPORT_SUFFIXES)))
        else:
            files.append(path)
    return files


@dataclass
class PushInput:
    """Documents read for a push, the problems that stop it, the warnings worth showing, how many
    documents came with annotations and how many problems in annotations were set aside (they are
    replaced by the model's)."""

    docs: list[AnnotatedDoc]
    blocking: list[Issue]
    warnings: list[Issue]
    annotated: int
    ignored: int = 0


def read_push_inputs(paths: Iterable[str | Path], *, keep_annotations: bool = False) -> PushInput:
    """Read ``.txt`` files (one document each, id = file name stem) and Doccano JSONL/zip exports.

    With ``keep_annotations`` every error in the input's annotations stops the push; otherwise only
    what makes a document unreadable does, and problems in annotations (which the model's replace)
    are only counted.
    """
    from scomm_nlp.data.doccano import EXPORT_SUFFIXES, read_doccano

    docs: list[AnnotatedDoc] = []
    issues: list[Issue] = []
    for path in _input_files(paths):
        if not path.exists():
            issues.append(Issue(str(path), 0, "<file>", "error", "no such file"))
        elif str(path).endswith(EXPORT_SUFFIXES):
            result = read_doccano([path])
            docs.extend(result.docs)
            issues.extend(result.issues)
        elif path.suffix == ".txt":
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                issues.append(Issue(str(path), 0, "<file>", "error", f"cannot read as UTF-8 text: {exc}"))
                continue
            if not text.strip():
                issues.append(Issue(str(path), 0, "text", "warning", "empty text: not pushed"))
                continue
            docs.append(AnnotatedDoc(path.stem, text, source=str(path), line=1))
        else:
            issues.append(Issue(str(path), 0, "<file>", "error", "not a .txt, .jsonl, .jsonl.gz or .zip file"))
    docs = [d for d in docs if d.text.strip()]
    annotated = sum(1 for d in docs if d.spans or d.relations)
    if keep_annotations:
        return PushInput(docs, [i for i in issues if i.severity == "error"],
                         [i for i in issues if i.severity != "error"], annotated)
    # the annotations are replaced: what is wrong with them does not matter, nor do duplicate ids; only a
    # record that could not be read at all stops the push
    read = {(d.source, d.line) for d in docs}
    about_annotations = [i for i in issues if i.field.startswith(("entities", "relations", "label"))]
    rest = [i for i in issues if i not in about_annotations]
    blocking = [i for i in rest if i.severity == "error" and (i.file, i.line) not in read]
    warnings = [i if i.severity != "error" else replace(i, severity="warning") for i in rest if i not in blocking]
    return PushInput(docs, blocking, warnings, annotated, len(about_annotations))


# --------------------------------------------------------------------------- pull


def export_record_to_ours(record: Any) -> Any:
    """A relation-export record as our reader expects it: character offsets instead of Doccano's UTF-16
    units, and the meta data that :func:`upload_record` packed into ``scomm_meta`` back at the top level."""
    from scomm_nlp.data.doccano import RESERVED_FIELDS, utf16_to_codepoint_map

    if not isinstance(record, dict):
        return record
    packed = record.get(META_KEY)
    if isinstance(packed, dict):
        record = {**{k: v for k, v in record.items() if k != META_KEY},
                  **{k: v for k, v in packed.items() if k not in RESERVED_FIELDS}}
    text = record.get("text")
    if not isinstance(text, str) or not any(ord(c) > 0xFFFF for c in text) \
            or not isinstance(record.get("entities"), list):
        return record
    mapping = utf16_to_codepoint_map(text)

    def conv(value):
        return mapping[value] if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(mapping) \
            else value

    entities = [{**e, "start_offset": conv(e.get("start_offset")), "end_offset": conv(e.get("end_offset"))}
                if isinstance(e, dict) else e for e in record["entities"]]
    return {**record, "entities": entities}


def download_export(session: DoccanoSession, project_id: int, dest: Path, *, only_approved: bool = False,
                    timeout: float = 600.0) -> Path:
    """Have Doccano build the JSONL export and download the zip to ``dest``, checked whole.

    A download that breaks off, or whose size or zip structure is wrong, is tried again (up to the
    retry policy's attempts) and then raises; ``dest`` is only a scratch file.
    """
    task = session.json("POST", f"projects/{project_id}/download",
                        json={"format": EXPORT_FORMAT, "exportApproved": bool(only_approved)})
    wait_for_task(session, task["task_id"], timeout=timeout)
    problem = ""
    for attempt in range(1, session.retry.attempts + 1):
        problem = _fetch_zip(session, project_id, task["task_id"], dest)
        if not problem:
            return dest
        if attempt < session.retry.attempts:
            delay = session.retry.delay(attempt)
            log.warning("export download: %s; retrying in %.1fs (attempt %d of %d)", problem, delay, attempt + 1,
                        session.retry.attempts)
            session.retry.sleep(delay)
    raise DoccanoServerError(f"the export of project {project_id} could not be downloaded whole: {problem} "
                             f"(after {session.retry.attempts} attempts)", 502)


def _fetch_zip(session: DoccanoSession, project_id: int, task_id: str, dest: Path) -> str:
    """Download once; return what was wrong, or '' when ``dest`` holds a complete zip."""
    import requests

    resp = session.request("GET", f"projects/{project_id}/download", params={"taskId": task_id}, stream=True)
    if "json" in resp.headers.get("Content-Type", ""):
        return f"the server sent {_detail(resp) or 'JSON'} instead of the zip"
    expected = resp.headers.get("Content-Length")
    size = 0
    try:
        with open(dest, "wb") as fh:
            for chunk in resp.iter_content(chunk_size=65536):
                fh.write(chunk)
                size += len(chunk)
    except requests.exceptions.RequestException as exc:
        return f"{describe_failure(exc)[0]} after {size} bytes"
    finally:
        resp.close()
    if expected is not None and expected.isdigit() and int(expected) != size:
        return f"got {size} of {expected} bytes"
    if not zipfile.is_zipfile(dest):
        return "what came is not a zip archive"
    try:
        with zipfile.ZipFile(dest) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return f"broken zip archive ({exc})"
    return f"broken zip member {bad}" if bad else ""


@dataclass
class PullResult(ReadResult):
    """The validated export (``docs``, ``issues``), whose file it came from, and where it was written
    (None when it was not)."""

    project: ProjectInfo | None = None
    member: str = ""
    written: Path | None = None


def _choose_member(names: list[str], info: ProjectInfo, annotator: str | None) -> str:
    files = sorted(n for n in names if n.endswith(".jsonl"))
    if annotator:
        wanted = f"{annotator}.jsonl"
        if wanted in files:
            return wanted
        raise DoccanoProjectError(f"the export of project {info.id} has no file for {annotator!r} (it has "
                                  f"{', '.join(files) or 'no JSONL file'})")
    if len(files) == 1:
        return files[0]
    if not files:
        raise DoccanoServerError(f"the export of project {info.id} holds no JSONL file", 502)
    people = ", ".join(f[: -len(".jsonl")] for f in files)
    raise DoccanoProjectError(f"project {info.id} is not collaborative, so Doccano exports one file per member "
                              f"({people}); choose one with --annotator NAME")


def pull(session: DoccanoSession, project_id: int, out: str | Path, *, only_approved: bool = False,
         annotator: str | None = None, allow_errors: bool = False, timeout: float = 600.0) -> PullResult:
    """Download, convert and validate the project's export; write relation JSONL to ``out``.

    ``out`` is written (atomically) only when the export validates, or with ``allow_errors`` when the
    caller accepts losing what the errors name; otherwise ``PullResult.written`` is None and any
    existing file at ``out`` is left as it was.
    """
    from scomm_nlp.data.doccano import read_doccano, write_doccano

    info = get_project(session, project_id)
    check_project(info)
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="scomm-doccano-") as tmp:
        archive_path = download_export(session, project_id, Path(tmp) / "export.zip", only_approved=only_approved,
                                       timeout=timeout)
        with zipfile.ZipFile(archive_path) as archive:
            member = _choose_member(archive.namelist(), info, annotator)
            raw = archive.read(member).decode("utf-8-sig")
        converted = Path(tmp) / Path(member).name
        with open(converted, "w", encoding="utf-8") as fh:
            for line in raw.splitlines():
                try:
                    line = json.dumps(export_record_to_ours(json.loads(line)), ensure_ascii=False) if line.strip() \
                        else line
                except json.JSONDecodeError:
                    pass  # left as it is: the reader reports it with its line number
                fh.write(line + "\n")
        result = read_doccano([converted])
    label = f"project {project_id} export {member}"
    issues = [replace(i, file=label) for i in result.issues]
    docs = [replace(d, source=label) for d in result.docs]
    written = None
    if not any(i.severity == "error" for i in issues) or allow_errors:
        written = write_doccano(docs, out)
    return PullResult(docs, issues, info, member, written)

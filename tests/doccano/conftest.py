"""Servers for the Doccano tests.

``doccano_server`` (session scope): a real Doccano 1.8.4 in its own virtual environment, cached outside
the repository (``~/.cache/scomm-nlp/doccano-1.8.4-venv``, or ``SCOMM_DOCCANO_VENV``) and rebuilt only
when missing or broken. A SQLite database with the migrations, the roles, an admin and an annotator
is prepared once inside that venv folder and copied for each test session. gunicorn serves the web
app on 127.0.0.1 (never 0.0.0.0, which ``doccano webserver`` would use) and ``doccano task`` runs the
Celery queue (its broker is the same SQLite file); both are stopped by PID at the end, also after a
failure. When pip cannot install Doccano the fixture fails with pip's own words: these tests never
skip themselves.

``fake_http``: a tiny scripted HTTP server on 127.0.0.1 for failure modes a real server will not
produce on demand (500, 503 then 200, dropped connections, truncated downloads).
"""

from __future__ import annotations

import fcntl
import http.server
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

DOCCANO_VERSION = "1.8.4"
#: numpy 2 and marshmallow 4 break Doccano 1.8.4's pandas and environs.
DOCCANO_PINS = (f"doccano=={DOCCANO_VERSION}", "numpy<2", "marshmallow<4")
ADMIN = ("scomm-admin", "Adm1n-pw-for-tests-7c41e")
ANNOTATOR = ("scomm-annotator", "Ann0t-pw-for-tests-2b9d0")

_CREATE_USERS = """
import os, sys
sys.path.insert(0, os.environ["SCOMM_BACKEND"])
import django
django.setup()
from django.contrib.auth.models import User
User.objects.create_superuser(os.environ["SCOMM_ADMIN"], "admin@example.org", os.environ["SCOMM_ADMIN_PW"])
User.objects.create_user(os.environ["SCOMM_ANNOTATOR"], "annotator@example.org", os.environ["SCOMM_ANNOTATOR_PW"])
"""


def doccano_venv() -> Path:
    default = Path.home() / ".cache" / "scomm-nlp" / f"doccano-{DOCCANO_VERSION}-venv"
    return Path(os.environ.get("SCOMM_DOCCANO_VENV") or default).expanduser()


def _tail(text: str, lines: int = 25) -> str:
    kept = [line for line in text.splitlines() if not line.startswith("WARNING: Location")]
    return "\n".join(kept[-lines:])


def _backend_dir(venv: Path) -> Path | None:
    """Doccano's backend package folder when the venv is usable, else None."""
    python = venv / "bin" / "python"
    if not python.exists() or not (venv / "bin" / "gunicorn").exists():
        return None
    probe = ("import os, backend, celery, gunicorn, pandas, numpy; assert numpy.__version__ < '2'; "
             "print(os.path.dirname(backend.__file__))")
    try:
        proc = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return None
    return Path(proc.stdout.strip()) if proc.returncode == 0 else None


def _build_venv(venv: Path) -> None:
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    base = shutil.which("python3.11") or sys.executable
    subprocess.run([base, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                           *DOCCANO_PINS], capture_output=True, text=True, timeout=3000)
    if proc.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        pytest.fail(f"could not install Doccano {DOCCANO_VERSION} into {venv} (pip exited {proc.returncode}; these "
                    f"tests need the package registry once, then use the cached venv). pip said:\n"
                    f"{_tail(proc.stdout + proc.stderr)}", pytrace=False)


def server_env(home: Path, backend: Path) -> dict[str, str]:
    """Environment for Doccano's processes: its own SQLite file and media folder under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCCANO_", "DJANGO_", "PYTHON"))}
    env.update({
        "DOCCANO_HOME": str(home),
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "MEDIA_ROOT": str(home / "media"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "STANDALONE": "True",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_hex(24),
        "SCOMM_BACKEND": str(backend),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _run(cmd: list[str], env: dict, cwd: Path, what: str, timeout: int = 900) -> None:
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"{what} failed (exit {proc.returncode}):\n{_tail(proc.stdout + proc.stderr)}", pytrace=False)


def _build_template(venv: Path, backend: Path, template: Path) -> None:
    """Migrate a fresh database, add the roles, an admin and an annotator; keep it as the template."""
    work = template.parent / f"build-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = server_env(work, backend)
    _run([str(venv / "bin" / "doccano"), "init"], env, work, "doccano init")
    env.update({"SCOMM_ADMIN": ADMIN[0], "SCOMM_ADMIN_PW": ADMIN[1], "SCOMM_ANNOTATOR": ANNOTATOR[0],
                "SCOMM_ANNOTATOR_PW": ANNOTATOR[1]})
    _run([str(venv / "bin" / "python"), "-c", _CREATE_USERS], env, work, "creating the test users")
    os.replace(work / "db.sqlite3", template)
    shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """SIGQUIT (a quick shutdown for gunicorn, a cold one for Celery), then SIGKILL to the process group: the
    process was started in a session of its own, so the group id is its PID and its forked workers go too."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class DoccanoServer:
    url: str
    home: Path
    admin: tuple[str, str] = ADMIN
    annotator: tuple[str, str] = ANNOTATOR
    logs: dict[str, Path] = field(default_factory=dict)

    def env(self, user: tuple[str, str] | None = None) -> dict[str, str]:
        """DOCCANO_USERNAME / DOCCANO_PASSWORD for the CLI."""
        name, password = user or self.admin
        return {"DOCCANO_USERNAME": name, "DOCCANO_PASSWORD": password}

    def session(self, user: tuple[str, str] | None = None):
        from scomm_nlp.doccano_server import connect

        name, password = user or self.admin
        return connect(self.url, name, password, prompt=False)

    def log_tail(self) -> str:
        return "\n".join(f"--- {name}\n{_tail(p.read_text(errors='replace'), 15)}" for name, p in self.logs.items()
                         if p.exists())


@pytest.fixture(scope="session")
def doccano_server(tmp_path_factory) -> DoccanoServer:
    venv = doccano_venv()
    with _locked(venv.parent / f"{venv.name}.lock"):
        backend = _backend_dir(venv)
        if backend is None:
            _build_venv(venv)
            backend = _backend_dir(venv)
            if backend is None:
                pytest.fail(f"Doccano was installed into {venv} but does not import", pytrace=False)
        template = venv / "scomm-template.sqlite3"
        if not template.exists():
            _build_template(venv, backend, template)

    home = tmp_path_factory.mktemp("doccano")
    (home / "media").mkdir()
    shutil.copy(template, home / "db.sqlite3")
    env = server_env(home, backend)
    port = free_port()
    server = DoccanoServer(f"http://127.0.0.1:{port}", home,
                           logs={"gunicorn": home / "gunicorn.log", "task": home / "task.log"})
    procs: list[subprocess.Popen] = []
    try:
        with open(server.logs["gunicorn"], "w") as log:
            procs.append(subprocess.Popen(
                [str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "300",
                 "--chdir", str(backend), "config.wsgi"],
                env=env, cwd=backend, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        with open(server.logs["task"], "w") as log:
            procs.append(subprocess.Popen([str(venv / "bin" / "doccano"), "task", "--concurrency", "1"],
                                          env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))
        _wait_ready(server, procs, timeout=300)
        yield server
    finally:
        for proc in procs:
            _stop(proc)


def _wait_ready(server: DoccanoServer, procs: list[subprocess.Popen], timeout: float) -> None:
    """Doccano's health page answers 200 once the web app, the database and the task queue all work."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                pytest.fail(f"a Doccano process exited ({proc.args[0]}, code {proc.returncode}):\n"
                            f"{server.log_tail()}", pytrace=False)
        try:
            if requests.get(f"{server.url}/v1/health/", timeout=30).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"Doccano did not become ready within {timeout:.0f}s:\n{server.log_tail()}", pytrace=False)


@pytest.fixture
def project_name() -> str:
    return f"scomm-test-{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------- a scripted HTTP server

#: A handler gets (method, path, body) and returns (status, headers, body bytes), or None to drop the connection.
Route = Callable[[str, str, bytes], "tuple[int, dict, bytes] | None"]


@dataclass
class FakeHTTP:
    url: str
    requests: list[tuple[str, str]]


@pytest.fixture
def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (free a moment ago)."""
    return free_port()


@pytest.fixture
def fake_http():
    """Start ``fake_http(route)`` servers on 127.0.0.1; all are shut down after the test."""
    servers = []

    def start(route: Route) -> FakeHTTP:
        seen: list[tuple[str, str]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep the test output clean
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen.append((self.command, self.path))
                answer = route(self.command, self.path, body)
                if answer is None:  # drop the connection without answering
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, headers, payload = answer
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append(server)
        return FakeHTTP(f"http://127.0.0.1:{server.server_address[1]}", seen)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()

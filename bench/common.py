"""What the benchmarks share: the machine and versions they ran on, a text table, timing and query counting,
a throwaway PostgreSQL database, a gunicorn server and a cookie-keeping HTTP client that signs in."""
from __future__ import annotations

import html
import http.cookiejar
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
VENV_BIN = ROOT / ".venv" / "bin"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


# --- the machine -----------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        found = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        ram = round(int(found.group(1)) / 1024 / 1024, 1) if found else None
    except OSError:
        pass
    return {"nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(), "cpu_model": cpu, "ram_gib": ram,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "platform": platform.platform()}


def versions(engine: Engine, packages: Sequence[str] = ("sqlalchemy", "flask", "psycopg", "gunicorn")) -> dict[str, Any]:
    out: dict[str, Any] = {"python": platform.python_version()}
    for package in packages:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    out["database_backend"] = engine.dialect.name
    with engine.connect():  # the dialect learns the server version on connecting
        out["database_server"] = ".".join(str(p) for p in engine.dialect.server_version_info or ())
    return out


def write_json(path: Path, report: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- figures ---------------------------------------------------------------------------------------

def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned first column, right-aligned figures, a rule under the heading."""
    all_rows = [list(head), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in all_rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the value at or above pct% of the samples), as load-testing tools report it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {"median_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 95), 1),
            "min_ms": round(min(ms), 1), "max_ms": round(max(ms), 1)}


@contextmanager
def counting_queries(engine: Engine) -> Iterator[list[int]]:
    """Count the SQL statements the engine runs inside the block (the count is in `[0]`)."""
    count = [0]

    def before(*_args: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", before)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


# --- databases -------------------------------------------------------------------------------------

def recreate_database(url: str) -> None:
    """Drop and create the PostgreSQL database `url` names (through the server's `postgres` database)."""
    parsed = make_url(url)
    name = parsed.database
    if not name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"Refusing to recreate a database called {name!r}: letters, digits and _ only.")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def waymark(args: Sequence[str], env: Mapping[str, str]) -> str:
    """Run the `waymark` CLI (the same commands an operator uses); its stdout, or exit with its stderr."""
    done = subprocess.run([str(VENV_BIN / "waymark"), *args], env={**os.environ, **env}, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"waymark {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


# --- a server and a client -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(env: Mapping[str, str], workers: int = 2) -> Iterator[str]:
    """Serve `app:create_app()` with gunicorn on a free port; yield its base URL; stop it by its own PID."""
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
               "--log-level", "warning", "app:create_app()"]
    proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=30) as response:
                    response.read()
                    break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start; see its messages above.") from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class Client:
    """A browser's worth of HTTP for benchmarks: cookies kept, the login form's CSRF token sent back."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=120) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as err:
            body = err.read()
            err.close()
            return int(err.code), body

    def sign_in(self, email: str, password: str) -> None:
        status, body = self.get("/login")
        found = CSRF.search(body.decode("utf-8", "replace"))
        if status != 200 or not found:
            raise SystemExit(f"GET /login gave {status} and no csrf_token")
        form = urllib.parse.urlencode({"csrf_token": html.unescape(found.group(1) or found.group(2)),
                                       "email": email, "password": password}).encode()
        request = urllib.request.Request(self.base + "/login", data=form, method="POST")
        try:
            with self.opener.open(request, timeout=120) as response:
                response.read()
                landed = response.url
        except urllib.error.HTTPError as err:
            err.close()
            raise SystemExit(f"signing in as {email} failed with HTTP {err.code}") from None
        if landed.rstrip("/").endswith("/login"):
            raise SystemExit(f"signing in as {email} was refused (wrong password?)")

"""The managed Neo4j server and its CLI: a real server, real errors."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kgraph.config import get_settings
from kgraph.errors import ServerError
from kgraph.store import neo4j_server

KGRAPH = str(Path(sys.executable).with_name("kgraph"))


def _kgraph(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([KGRAPH, *args], capture_output=True, text=True, env=env, timeout=timeout)


def _env(**changes: str | None) -> dict:
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _assert_one_line_error(proc: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    error_lines = [line for line in proc.stderr.splitlines() if line.startswith("kgraph: error:")]
    assert len(error_lines) == 1, proc.stderr
    for needle in needles:
        assert needle in error_lines[0], error_lines[0]


def _managed_server_processes(home: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if neo4j_server.MAIN_CLASS in cmdline and f"--home-dir={home}" in cmdline:
            pids.append(int(entry.name))
    return pids


@pytest.fixture(scope="module")
def managed_server(neo4j_connection):
    """The managed server itself (not a user's NEO4J_URI): started here only if it was not running."""
    settings = get_settings()
    info = neo4j_server.start(settings)
    yield info
    if not info.already_running:
        neo4j_server.stop(settings)


def test_bolt_session_writes_and_reads_back_a_node(neo4j_driver, capsys):
    marker = f"kgraph-test-{uuid.uuid4().hex}"
    with neo4j_driver.session() as session:
        session.run("CREATE (:KgraphSmokeTest {marker: $marker, n: 42})", marker=marker).consume()
        record = session.run("MATCH (t:KgraphSmokeTest {marker: $marker}) RETURN t.n AS n", marker=marker).single()
        session.run("MATCH (t:KgraphSmokeTest {marker: $marker}) DELETE t", marker=marker).consume()
    assert record["n"] == 42
    version, edition = neo4j_server.server_version(neo4j_driver)
    with capsys.disabled():  # shows in the CI log without -s
        print(f"\n[neo4j] CALL dbms.components(): Neo4j Kernel {version} {edition}")
    assert version.startswith("5.26.")


def test_starting_twice_runs_one_server(managed_server):
    # Two `kgraph neo4j start` at once, plus the one already running: still one server, same PID.
    env = _env(NEO4J_URI=None, NEO4J_PASSWORD=None)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: _kgraph("neo4j", "start", "-q", env=env), range(2)))
    for proc in results:
        assert proc.returncode == 0, proc.stderr
        assert "already running" in proc.stdout
        assert f"pid {managed_server.pid}" in proc.stdout
    assert _managed_server_processes(managed_server.home) == [managed_server.pid]


def test_status_json_gives_what_scripts_need(managed_server):
    proc = _kgraph("neo4j", "status", "--json", env=_env(NEO4J_URI=None, NEO4J_PASSWORD=None))
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    assert status["running"] is True
    assert status["uri"] == managed_server.uri and status["pid"] == managed_server.pid
    assert status["version"].startswith("5.26.") and status["password"]
    mode = Path(status["home"], "password").stat().st_mode & 0o777
    assert mode == 0o600


def test_wrong_password_is_one_clear_line(managed_server):
    with pytest.raises(ServerError, match="rejected the password for user 'neo4j'"):
        neo4j_server.open_driver(neo4j_server.Connection(managed_server.uri, "neo4j", "not-the-password", False))
    proc = _kgraph("neo4j", "status", env=_env(NEO4J_URI=None, NEO4J_PASSWORD="still-not-the-password"))
    _assert_one_line_error(proc, 4, "rejected the password", "NEO4J_PASSWORD")


def test_not_running_and_unreachable(tmp_path):
    env = _env(KGRAPH_NEO4J_HOME=str(tmp_path / "home"), NEO4J_URI=None)
    _assert_one_line_error(_kgraph("neo4j", "status", env=env), 4, "not running", "kgraph neo4j start")
    stopped = _kgraph("neo4j", "stop", env=env)
    assert stopped.returncode == 0 and "not running" in stopped.stdout
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ServerError, match="not reachable at bolt://127.0.0.1"):
        neo4j_server.open_driver(neo4j_server.Connection(f"bolt://127.0.0.1:{port}", "neo4j", "whatever1", False))


def test_port_in_use_is_reported_before_java_starts(tmp_path):
    home = tmp_path / "home"
    lib = neo4j_server.ensure_jars(get_settings())  # the real jars, so nothing is fetched
    home.mkdir()
    (home / "lib").symlink_to(lib)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        (home / "conf").mkdir()
        (home / "conf" / "neo4j.conf").write_text(f"server.bolt.listen_address=127.0.0.1:{port}\n")
        proc = _kgraph("neo4j", "start", env=_env(KGRAPH_NEO4J_HOME=str(home), NEO4J_URI=None))
    _assert_one_line_error(proc, 4, f"port {port}", "already in use")
    assert not (home / "run" / "neo4j.pid").exists()


def test_java_missing(tmp_path):
    env = _env(KGRAPH_NEO4J_HOME=str(tmp_path / "home"), PATH=str(tmp_path), JAVA_HOME=None, NEO4J_URI=None)
    _assert_one_line_error(_kgraph("neo4j", "start", env=env), 4, "Java not found")


def test_maven_missing_and_fetch_failure(tmp_path):
    java = shutil.which("java")
    assert java, "this test needs java on PATH"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to(os.path.realpath(java))
    env = _env(KGRAPH_NEO4J_HOME=str(tmp_path / "home"), PATH=str(bin_dir), JAVA_HOME=None, NEO4J_URI=None)
    _assert_one_line_error(_kgraph("neo4j", "start", env=env), 4, "Maven (mvn) not found")
    # A real Maven run that cannot resolve anything: offline with an empty local repository.
    env = _env(KGRAPH_NEO4J_HOME=str(tmp_path / "home"), NEO4J_URI=None,
               KGRAPH_MAVEN_ARGS=f"-o -Dmaven.repo.local={tmp_path / 'empty-m2'}")
    proc = _kgraph("neo4j", "start", "-q", env=env)
    _assert_one_line_error(proc, 4, "could not fetch Neo4j", "[ERROR]", "maven.log")
    assert not (tmp_path / "home" / "lib").exists() and not (tmp_path / "home" / "lib.partial").exists()


def test_connection_settings_prefer_neo4j_uri(tmp_path):
    own = get_settings().with_overrides(neo4j_uri="bolt://db.example:7687", neo4j_password="pw-of-own-server")
    conn = neo4j_server.connection_settings(own)
    assert (conn.uri, conn.password, conn.managed) == ("bolt://db.example:7687", "pw-of-own-server", False)
    fresh = dataclasses.replace(get_settings(), neo4j_uri=None, neo4j_home=tmp_path / "never-started")
    with pytest.raises(ServerError, match="never been started"):
        neo4j_server.connection_settings(fresh)

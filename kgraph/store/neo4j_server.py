"""A managed local Neo4j Community server, assembled from Maven Central.

Layout of the server home (``Settings.neo4j_home``, git-ignored)::

    lib/              jars: org.neo4j:neo4j and its runtime dependencies (fetched by Maven)
    conf/neo4j.conf   written on every start; the Bolt port chosen at first start is kept
    password          the neo4j user's password (mode 0600)
    data/ logs/       Neo4j's own
    run/neo4j.pid     PID of the running server (its own process group)
    logs/console.log  the server's stdout/stderr

The server class is started directly (no launcher script), so JVM flags go on
the java command line. Every failure a user can cause is a one-line ServerError.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

from kgraph.config import NEO4J_POM, Settings, get_settings
from kgraph.errors import ServerError

MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS = "org.neo4j.cli.AdminTool"
MANAGED_USER = "neo4j"  # set-initial-password always sets the built-in user
MIN_JAVA = 17
MIN_PASSWORD_LENGTH = 8  # Neo4j 5 default dbms.security.auth_minimum_password_length

# Small and explicit: the machine is shared and has 2 cores. Overridable for big loads.
HEAP_INITIAL = os.environ.get("KGRAPH_NEO4J_HEAP_INITIAL", "512m")
HEAP_MAX = os.environ.get("KGRAPH_NEO4J_HEAP_MAX", "1g")
PAGECACHE = os.environ.get("KGRAPH_NEO4J_PAGECACHE", "256m")

# The flags Neo4j's own launcher passes to the JVM for 5.x.
JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Dfile.encoding=UTF-8",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
]

ProgressFn = Callable[[str], None]


@dataclass
class Connection:
    """Where and how to reach Neo4j; ``managed`` is False for a user's own server (NEO4J_URI)."""

    uri: str
    user: str
    password: str | None
    managed: bool
    password_source: str = "NEO4J_PASSWORD"  # named in the wrong-password error

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.user, self.password) if self.password is not None else None


@dataclass
class ServerStatus:
    running: bool
    home: str
    uri: str | None = None
    user: str = MANAGED_USER
    password: str | None = None
    pid: int | None = None
    version: str | None = None
    edition: str | None = None
    log_file: str | None = None
    already_running: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


# --- paths -------------------------------------------------------------------

class _Home:
    def __init__(self, root: Path):
        self.root = root.expanduser().resolve()
        self.lib = self.root / "lib"
        self.conf_dir = self.root / "conf"
        self.conf = self.conf_dir / "neo4j.conf"
        self.password = self.root / "password"
        self.run = self.root / "run"
        self.pidfile = self.run / "neo4j.pid"
        self.lockfile = self.run / "kgraph.lock"
        self.logs = self.root / "logs"
        self.console_log = self.logs / "console.log"
        self.maven_log = self.logs / "maven.log"
        self.system_db = self.root / "data" / "databases" / "system"


def _home(settings: Settings) -> _Home:
    return _Home(Path(settings.neo4j_home))


@contextmanager
def _locked(home: _Home) -> Iterator[None]:
    """Serialize start/stop across processes (two `kgraph neo4j start` at once start one server)."""
    home.run.mkdir(parents=True, exist_ok=True)
    with open(home.lockfile, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- java and jars -----------------------------------------------------------

def find_java() -> str:
    """The java binary (JAVA_HOME first, then PATH), checked to be Java 17 or newer."""
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    java = str(candidate) if candidate and candidate.exists() else shutil.which("java")
    if not java:
        raise ServerError(
            "Java not found: install a Java 17+ JDK (or set JAVA_HOME) for the managed Neo4j, "
            "or point NEO4J_URI at your own Neo4j server"
        )
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServerError(f"cannot run Java at {java}: {exc}") from None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        raise ServerError(f"cannot tell the version of Java at {java}: {(out.stderr or out.stdout).strip()[:200]}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8" style
        major = int(match.group(2))
    if major < MIN_JAVA:
        raise ServerError(f"Java {major} at {java} is too old: Neo4j 5.26 needs Java 17 or 21 (set JAVA_HOME)")
    return java


def _pom_neo4j_version(pom: Path = NEO4J_POM) -> str:
    match = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>", pom.read_text(encoding="utf-8"))
    if not match:
        raise ServerError(f"{pom} does not declare <neo4j.version>")
    return match.group(1).strip()


def ensure_jars(settings: Settings | None = None, progress: ProgressFn | None = None) -> Path:
    """Make sure lib/ holds the Neo4j server jars of the pom's version; fetch them with Maven if not.

    Maven writes into lib.partial/ which is renamed to lib/ only on success, so a
    failed fetch never leaves a half-filled lib/.
    """
    home = _home(settings or get_settings())
    if not NEO4J_POM.exists():
        raise ServerError(f"the Neo4j pom is missing: {NEO4J_POM}")
    version = _pom_neo4j_version()
    if (home.lib / f"neo4j-server-{version}.jar").exists():
        return home.lib
    mvn = shutil.which("mvn")
    if not mvn:
        raise ServerError(
            "Maven (mvn) not found: it is needed once to fetch Neo4j from Maven Central; "
            "install Maven, or point NEO4J_URI at your own Neo4j server"
        )
    find_java()  # Maven needs it too; fail with the clearer message
    partial = home.root / "lib.partial"
    shutil.rmtree(partial, ignore_errors=True)
    home.logs.mkdir(parents=True, exist_ok=True)
    if progress:
        progress(f"fetching Neo4j {version} from Maven Central (first time only, ~130 MB) ...")
    # KGRAPH_MAVEN_ARGS: extra Maven flags, e.g. "-s mirror-settings.xml" or "-o" (offline, from ~/.m2 only).
    extra = shlex.split(os.environ.get("KGRAPH_MAVEN_ARGS", ""))
    cmd = [
        mvn, "-q", "-B", *extra, "-f", str(NEO4J_POM),
        f"-Dneo4j.home={home.root}", f"-Dneo4j.lib={partial}",
        "dependency:copy-dependencies",
    ]
    with open(home.maven_log, "w", encoding="utf-8") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
    if rc != 0 or not (partial / f"neo4j-server-{version}.jar").exists():
        shutil.rmtree(partial, ignore_errors=True)
        raise ServerError(
            f"could not fetch Neo4j {version} from Maven Central (mvn exit {rc}): "
            f"{_first_maven_error(home.maven_log)} (full log: {home.maven_log})"
        )
    if home.lib.exists():  # jars of another version: replace them whole
        shutil.rmtree(home.lib)
    partial.rename(home.lib)
    return home.lib


def _first_maven_error(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    generic = ("To see the full stack trace", "Re-run Maven", "For more information", "[Help 1]")
    errors = []
    for line in lines:
        line = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
        line = re.sub(r"\s*-> \[Help \d+\]$", "", line)
        if "ERROR" in line and line != "[ERROR]" and not any(g in line for g in generic):
            errors.append(line)
    return (errors[0] if errors else (lines[-1].strip() if lines else "no output"))[:400]


# --- configuration -----------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _configured_port(home: _Home) -> int | None:
    if not home.conf.exists():
        return None
    match = re.search(r"^server\.bolt\.listen_address=[^:\n]*:(\d+)\s*$", home.conf.read_text(), re.M)
    return int(match.group(1)) if match else None


def _write_conf(home: _Home) -> int:
    """(Re)write neo4j.conf; the port chosen at first start is kept."""
    port = _configured_port(home) or _free_port()
    home.conf_dir.mkdir(parents=True, exist_ok=True)
    home.conf.write_text(
        "# Written by kgraph (kgraph/store/neo4j_server.py) on every start; edits are overwritten.\n"
        "# Heap is set on the java command line: -Xms/-Xmx.\n"
        "server.default_listen_address=127.0.0.1\n"
        "server.default_advertised_address=127.0.0.1\n"
        f"server.bolt.listen_address=127.0.0.1:{port}\n"
        f"server.bolt.advertised_address=127.0.0.1:{port}\n"
        "server.http.enabled=false\n"
        "server.https.enabled=false\n"
        "dbms.security.auth_enabled=true\n"
        f"server.memory.pagecache.size={PAGECACHE}\n"
        "dbms.usage_report.enabled=false\n"
        "db.tx_log.rotation.retention_policy=1G size\n",
        encoding="utf-8",
    )
    return port


def _uri(port: int) -> str:
    return f"bolt://127.0.0.1:{port}"


# --- password ----------------------------------------------------------------

def _saved_password(home: _Home) -> str | None:
    try:
        return home.password.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _save_password(home: _Home, password: str) -> None:
    home.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(home.password, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    os.chmod(home.password, 0o600)


def _password_from_env(settings: Settings) -> str | None:
    # With NEO4J_URI set, NEO4J_PASSWORD belongs to the user's own server, not the managed one.
    return settings.neo4j_password if not settings.neo4j_uri else None


def _managed_password(home: _Home, settings: Settings) -> tuple[str | None, str]:
    """The password to use for the managed server, and where it came from (for error messages)."""
    env = _password_from_env(settings)
    if env is not None:
        return env, "NEO4J_PASSWORD"
    return _saved_password(home), str(home.password)


def _set_initial_password(home: _Home, java: str, settings: Settings) -> None:
    """Before the first start only: the system database takes this password when it is created."""
    password = _password_from_env(settings) or _saved_password(home) or secrets.token_urlsafe(18)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServerError(f"NEO4J_PASSWORD is too short for Neo4j: it needs at least {MIN_PASSWORD_LENGTH} characters")
    _save_password(home, password)
    env = dict(os.environ, NEO4J_HOME=str(home.root), NEO4J_CONF=str(home.conf_dir))
    out = subprocess.run(
        [java, "-cp", f"{home.lib}/*", ADMIN_CLASS, "dbms", "set-initial-password", password],
        capture_output=True, text=True, env=env, cwd=home.root, timeout=300,
    )
    if out.returncode != 0:
        detail = (out.stderr or out.stdout).strip().splitlines()
        raise ServerError(f"setting Neo4j's initial password failed: {detail[-1] if detail else out.returncode}")


# --- processes ---------------------------------------------------------------

def _is_our_server(pid: int, home: _Home) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True  # no /proc: trust the pidfile
    return state != "Z" and MAIN_CLASS in cmdline and str(home.root) in cmdline


def _running_pid(home: _Home) -> int | None:
    try:
        pid = int(home.pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        pid = None
    if pid is not None and _is_our_server(pid, home):
        return pid
    home.pidfile.unlink(missing_ok=True)  # stale
    orphan = _find_server_process(home)  # pidfile lost while the server runs: adopt it, never start a second
    if orphan is not None:
        home.run.mkdir(parents=True, exist_ok=True)
        home.pidfile.write_text(f"{orphan}\n")
    return orphan


def _find_server_process(home: _Home) -> int | None:
    needle = f"--home-dir={home.root}".encode()
    try:
        entries = [e for e in Path("/proc").iterdir() if e.name.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if MAIN_CLASS.encode() in cmdline and needle in cmdline.split(b"\0") and _is_our_server(int(entry.name), home):
            return int(entry.name)
    return None


def _reap(pid: int) -> None:
    """If the server is our child (tests start it in-process), collect it so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _log_tail(home: _Home, lines: int = 12) -> str:
    """The server's last meaningful log lines, squeezed into one line for the error message."""
    try:
        text = home.console_log.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return "(no server log)"
    # Stack frames say little; the ERROR line and its "Caused by" chain say what went wrong.
    useful = [l.strip() for l in text if l.strip() and not l.lstrip().startswith(("at ", "..."))]
    errors = [l for l in useful if " ERROR " in l or l.startswith("Caused by") or "Exception" in l]
    picked = (errors[-4:] if errors else useful[-lines:])
    return " | ".join(picked)[-1500:] or "(empty server log)"


def _bind_error_in_log(home: _Home) -> bool:
    try:
        return "Address already in use" in home.console_log.read_text(errors="replace")
    except FileNotFoundError:
        return False


def _launch(java: str, home: _Home) -> subprocess.Popen:
    cmd = [
        java, f"-Xms{HEAP_INITIAL}", f"-Xmx{HEAP_MAX}", *JVM_FLAGS,
        "-cp", f"{home.lib}/*", MAIN_CLASS,
        f"--home-dir={home.root}", f"--config-dir={home.conf_dir}", "--console-mode",
    ]
    home.logs.mkdir(parents=True, exist_ok=True)
    with open(home.console_log, "w", encoding="utf-8") as log:
        # Own session and process group: the server outlives the command that started it.
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=home.root, start_new_session=True, env=dict(os.environ, NEO4J_HOME=str(home.root)),
        )
    home.pidfile.write_text(f"{proc.pid}\n")
    return proc


# --- driver helpers ----------------------------------------------------------

def open_driver(conn: Connection, timeout: float = 10.0):
    """A verified driver for ``conn``; every way of failing becomes a one-line ServerError."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ConfigurationError, Neo4jError, ServiceUnavailable

    try:
        driver = GraphDatabase.driver(conn.uri, auth=conn.auth, connection_timeout=timeout)
    except (ConfigurationError, ValueError) as exc:
        raise ServerError(f"bad Neo4j URI {conn.uri!r}: {exc}") from None
    try:
        driver.verify_connectivity()
    except AuthError:
        driver.close()
        raise ServerError(_wrong_password_message(conn)) from None
    except ServiceUnavailable:
        driver.close()
        hint = "start it with 'kgraph neo4j start'" if conn.managed else "is it running? check NEO4J_URI"
        raise ServerError(f"Neo4j is not reachable at {conn.uri} ({hint})") from None
    except (Neo4jError, OSError) as exc:
        driver.close()
        raise ServerError(f"Neo4j at {conn.uri} refused the connection: {_one_line(exc)}") from None
    return driver


def _wrong_password_message(conn: Connection) -> str:
    return f"Neo4j at {conn.uri} rejected the password for user '{conn.user}' (password from {conn.password_source})"


def _one_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return " ".join(str(message).split())[:300]


def server_version(driver) -> tuple[str, str]:
    records, _, _ = driver.execute_query("CALL dbms.components() YIELD name, versions, edition "
                                         "RETURN name, versions, edition")
    for record in records:
        if record["name"] == "Neo4j Kernel":
            return record["versions"][0], record["edition"]
    first = records[0]
    return first["versions"][0], first["edition"]


# --- public API --------------------------------------------------------------

def managed_connection(settings: Settings | None = None) -> Connection:
    """URI and password of the managed server (it may or may not be running)."""
    settings = settings or get_settings()
    home = _home(settings)
    port = _configured_port(home)
    if port is None:
        raise ServerError("the managed Neo4j has never been started: run 'kgraph neo4j start' (or set NEO4J_URI)")
    password, source = _managed_password(home, settings)
    return Connection(_uri(port), MANAGED_USER, password, managed=True, password_source=source)


def connection_settings(settings: Settings | None = None) -> Connection:
    """Where callers (loader, queries, tests) should connect: NEO4J_URI if set, else the managed server."""
    settings = settings or get_settings()
    if settings.neo4j_uri:
        return Connection(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password, managed=False)
    return managed_connection(settings)


def connect(settings: Settings | None = None):
    """A verified neo4j.Driver for ``connection_settings()``; the caller closes it."""
    return open_driver(connection_settings(settings))


def status(settings: Settings | None = None) -> ServerStatus:
    """State of the managed server; asks it for its version when it runs."""
    settings = settings or get_settings()
    home = _home(settings)
    pid = _running_pid(home)
    port = _configured_port(home)
    password, source = _managed_password(home, settings)
    result = ServerStatus(
        running=pid is not None, home=str(home.root), pid=pid, password=password,
        uri=_uri(port) if port else None, log_file=str(home.console_log),
    )
    if pid is None or port is None:
        return result
    driver = open_driver(Connection(result.uri, MANAGED_USER, password, managed=True, password_source=source))
    try:
        result.version, result.edition = server_version(driver)
    finally:
        driver.close()
    return result


def start(settings: Settings | None = None, timeout: float = 240.0,
          progress: ProgressFn | None = None) -> ServerStatus:
    """Start the managed server (fetching it first if needed); returns once Bolt answers.

    Starting while it runs returns the running one (``already_running=True``).
    """
    settings = settings or get_settings()
    home = _home(settings)
    java = find_java()
    with _locked(home):
        if _running_pid(home) is not None:
            result = status(settings)
            result.already_running = True
            return result
        ensure_jars(settings, progress)
        port = _write_conf(home)
        if not _port_is_free(port):
            raise ServerError(
                f"port {port} on 127.0.0.1 (kept in {home.conf}) is already in use by another program: "
                f"stop that program, or delete {home.conf} to let kgraph pick a new port"
            )
        if not home.system_db.exists():
            if progress:
                progress("setting the initial password ...")
            _set_initial_password(home, java, settings)
        password, source = _managed_password(home, settings)
        if progress:
            progress(f"starting Neo4j on {_uri(port)} ...")
        proc = _launch(java, home)
        conn = Connection(_uri(port), MANAGED_USER, password, managed=True, password_source=source)
        _wait_until_ready(proc, home, conn, timeout)
    return status(settings)


def _wait_until_ready(proc: subprocess.Popen, home: _Home, conn: Connection, timeout: float) -> None:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, DriverError, Neo4jError

    deadline = time.monotonic() + timeout
    driver = GraphDatabase.driver(conn.uri, auth=conn.auth, connection_timeout=3)
    try:
        while True:
            code = proc.poll()
            if code is not None:
                home.pidfile.unlink(missing_ok=True)
                if _bind_error_in_log(home):
                    raise ServerError(f"Neo4j could not listen on {conn.uri}: the port is already in use "
                                      f"(delete {home.conf} to pick a new port)")
                raise ServerError(f"Neo4j exited with code {code} while starting: {_log_tail(home)} "
                                  f"(log: {home.console_log})")
            try:
                driver.verify_connectivity()
                return
            except AuthError:
                raise ServerError(_wrong_password_message(conn) + f"; the server is running (pid {proc.pid})") from None
            except (DriverError, Neo4jError, OSError):
                pass
            if time.monotonic() > deadline:
                _terminate(proc.pid, home, grace=30)
                raise ServerError(f"Neo4j did not answer on {conn.uri} within {timeout:.0f}s: {_log_tail(home)} "
                                  f"(log: {home.console_log})")
            time.sleep(0.5)
    finally:
        driver.close()


def _terminate(pid: int, home: _Home, grace: float) -> None:
    """SIGTERM the server's process group, wait up to ``grace`` seconds, then SIGKILL."""
    def alive() -> bool:
        _reap(pid)
        return _is_our_server(pid, home)

    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        if not alive():
            break
    home.pidfile.unlink(missing_ok=True)
    if alive():
        raise ServerError(f"Neo4j (pid {pid}) did not stop even after SIGKILL")


def stop(settings: Settings | None = None, grace: float = 60.0) -> int | None:
    """Stop the managed server cleanly; returns the PID it stopped, or None if it was not running."""
    settings = settings or get_settings()
    home = _home(settings)
    with _locked(home):
        pid = _running_pid(home)
        if pid is None:
            return None
        _terminate(pid, home, grace)
        return pid


def shell_exports(info: ServerStatus) -> str:
    """``export NEO4J_URI=...`` lines for ``eval "$(kgraph neo4j status --env)"``."""
    lines = [f"export NEO4J_URI={shlex.quote(info.uri or '')}", f"export NEO4J_USER={shlex.quote(info.user)}"]
    if info.password is not None:
        lines.append(f"export NEO4J_PASSWORD={shlex.quote(info.password)}")
    return "\n".join(lines)

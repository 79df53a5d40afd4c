"""Real server processes for realtime tests: `flask serve` (Werkzeug, threaded) or gunicorn (gthread).

    server = ServerProcess("werkzeug", env={...}, log_dir=tmp_path).start()
    CollabClient(server.url, doc_id, token=token).connect()
    server.stop()

The process gets only the environment given here plus PATH/HOME, so an outer DATABASE_URL or
REDIS_URL never leaks in. Its output goes to a log file whose tail is shown when it fails to start
(and can be printed by a failing test: `server.log_tail()`).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "docs" / "deploy" / "gunicorn.conf.py"
KINDS = ("werkzeug", "gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(self, kind: str, env: dict[str, str], log_dir: Path, port: int | None = None, name: str = ""):
        if kind not in KINDS:
            raise ValueError(f"unknown server kind {kind!r}")
        self.kind, self.port = kind, port or free_port()
        self.name = name or f"{kind}-{self.port}"
        self.env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
        self.env.update(env)
        self.log_path = Path(log_dir) / f"server-{self.name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if self.kind == "werkzeug":
            self.env["PORT"], self.env["HOST"] = str(self.port), "127.0.0.1"
            return [sys.executable, "-m", "flask", "--app", "wiki", "serve"]
        self.env["GUNICORN_BIND"] = f"127.0.0.1:{self.port}"
        config = self.env.get("WIKI_CONFIG", "production")
        return [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), f'wiki:create_app("{config}")']

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        self.launch()
        self.wait_ready(timeout)
        return self

    def launch(self) -> "ServerProcess":
        """Start the process without waiting for it (see start_all)."""
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"port {self.port} is already in use: not starting {self.name}")
        command = self.command()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def wait_ready(self, timeout: float) -> None:
        """Until the app answers HTTP (gunicorn listens before its worker has loaded the app)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/openapi.json", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout} s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        """The pid serving requests (for gunicorn, its single worker)."""
        if self.kind == "werkzeug":
            return self.proc.pid
        deadline = time.monotonic() + 10
        while True:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            if children or time.monotonic() > deadline:
                return int(children[0])
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (gunicorn: graceful stop), then SIGKILL to its process group after `timeout`."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only this server and its worker
            self.proc.wait(5)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


def server_env(*, database_url: str, redis_url: str | None, channel: str, instance_path: Path,
               config: str = "testing", **extra: str) -> dict[str, str]:
    """The environment a wiki server process reads (see config.py)."""
    env = {
        "WIKI_CONFIG": config,
        "DATABASE_URL": database_url,
        "WIKI_SOCKETIO_CHANNEL": channel,
        "WIKI_INSTANCE_PATH": str(instance_path),
        "PYTHONUNBUFFERED": "1",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    if config == "production":
        env.setdefault("SECRET_KEY", "scale-out-test-secret-key-0123456789abcdef")
    env.update(extra)
    return env


def start_all(servers: list[ServerProcess], timeout: float = 60.0) -> list[ServerProcess]:
    """Start several servers at once (each takes seconds to import the app); stop them all on failure."""
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready(timeout)
    except Exception:
        stop_all(servers)
        raise
    return servers


def stop_all(servers: list[ServerProcess], timeout: float = 10.0) -> None:
    for server in servers:
        if server.proc is not None and server.proc.poll() is None:
            server.proc.send_signal(signal.SIGTERM)
    for server in servers:
        server.stop(timeout)

"""Start the real app with `streamlit run` on a loopback port, for browser tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# No proxy: every request here goes to 127.0.0.1 and must never leave the machine.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class AppServerError(RuntimeError):
    """The app did not start (the message carries the end of its log)."""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """GET a loopback URL; returns (status, body), status 0 when nothing answers."""
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


@dataclass
class AppServer:
    """A running `streamlit run dashboard.py` process."""

    process: subprocess.Popen
    port: int
    log_path: Path
    database_url: str
    env: dict[str, str] = field(repr=False, default_factory=dict)

    @property
    def url(self) -> str:
        """Base URL of the app."""
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        """Everything the server has written so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def peak_rss_mb(self) -> float | None:
        """The server's peak resident memory (VmHWM) in MB, while it runs (Linux /proc)."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start(
    database_url: str,
    *,
    log_dir: Path,
    config_path: Path | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 90.0,
    name: str = "app",
    port: int | None = None,
    script: str = "dashboard.py",
) -> AppServer:
    """Run the dashboard on a free port (or the given one) and wait until /_stcore/health answers ok."""
    # A fixed port lets a sign-in test register its redirect URI with the identity provider first.
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{port}.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PERFDASH_CONFIG", "PERFDASH_DATABASE_URL"} and not key.lower().endswith("_proxy")
    }
    env.update(
        {
            "PERFDASH_DATABASE_URL": database_url,
            "PERFDASH_LOG_LEVEL": env.get("PERFDASH_LOG_LEVEL", "INFO"),
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "*",
        }
    )
    if config_path is not None:
        env["PERFDASH_CONFIG"] = str(config_path)
    env.update(extra_env or {})
    # The dashboard is served as `make run` serves it (python dashboard.py: warmed for its first visitor, see
    # perfdash.ui.serve); any other script, such as a benchmark's blank page, by `streamlit run`.
    launcher = [script] if script == "dashboard.py" else ["-m", "streamlit", "run", script]
    command = [
        sys.executable,
        *launcher,
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    # Output goes to a file: a pipe nobody drains would block the server once its buffer fills.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = AppServer(process=process, port=port, log_path=log_path, database_url=database_url, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise AppServerError(f"the app exited with code {process.returncode}:\n{server.log_text()[-4000:]}")
        status, body = http_get(f"{server.url}/_stcore/health", timeout=2)
        if status == 200 and body.strip() == b"ok":
            return server
        time.sleep(0.2)
    server.stop()
    raise AppServerError(f"the app did not become healthy in {timeout:.0f} s:\n{server.log_text()[-4000:]}")

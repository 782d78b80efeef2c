"""Start a throwaway PostgreSQL server on loopback for tests (as the postgres user when we are root)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PostgresServer:
    """A running server and how to reach it."""

    data_dir: str
    port: int
    bin_dir: str
    run_as: list[str]

    @property
    def base_url(self) -> str:
        """URL of the maintenance database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        subprocess.run(
            [*self.run_as, f"{self.bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
            capture_output=True,
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server and remove its files."""
        subprocess.run(
            [*self.run_as, f"{self.bin_dir}/pg_ctl", "-D", self.data_dir, "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(os.path.dirname(self.data_dir), ignore_errors=True)


def find_bin_dir() -> str | None:
    """The newest installed PostgreSQL bin directory."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(candidates[-1]) if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start() -> PostgresServer:
    """initdb + pg_ctl start on a free loopback port; raises RuntimeError with the server log if it fails."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)")
    root = tempfile.mkdtemp(prefix="perfdash-pg-")
    data_dir = os.path.join(root, "data")
    # PostgreSQL refuses to run as root, so run it as the postgres user.
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(root, "postgres")
        os.chmod(root, 0o755)
    subprocess.run(
        [*run_as, f"{bin_dir}/initdb", "-D", data_dir, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    log = os.path.join(root, "server.log")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off -c max_connections=50"
    result = subprocess.run(
        [*run_as, f"{bin_dir}/pg_ctl", "-D", data_dir, "-l", log, "-o", options, "-w", "-t", "60", "start"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        text = Path(log).read_text() if os.path.exists(log) else result.stderr
        raise RuntimeError(f"PostgreSQL did not start: {text[-2000:]}")
    deadline = time.time() + 30
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    return PostgresServer(data_dir=data_dir, port=port, bin_dir=bin_dir, run_as=run_as)

"""nginx with docs/deployment.md's configuration, as written there, in front of a running app (tests, benchmarks)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import app_server
from tests.support.app_server import PROJECT_ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class ProxyError(RuntimeError):
    """nginx is missing or did not start (the message says which, with its own words)."""


def documented_server_block() -> str:
    """The nginx configuration in docs/deployment.md, exactly as a reader would copy it."""
    text = (PROJECT_ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```nginx\n(.*?)```", text, flags=re.DOTALL)
    return block


@contextmanager
def documented_proxy(app_port: int, folder: Path, *, gzip: bool = True) -> Iterator[str]:
    """nginx with the documented configuration, both upstream replicas pointed at one app; yields its URL.

    gzip=False turns the documented `gzip on` off (a benchmark's comparison); nothing else is changed but ports.
    """
    if not Path(NGINX).exists():
        raise ProxyError("nginx is missing (apt-get install nginx-light, or make system-deps)")
    port = app_server.free_port()
    block = documented_server_block()
    for documented in ("127.0.0.1:8501", "127.0.0.1:8502"):
        assert documented in block, f"docs/deployment.md no longer names the replica {documented}"
        block = block.replace(documented, f"127.0.0.1:{app_port}")
    assert "listen 127.0.0.1:8080;" in block and "gzip on;" in block
    block = block.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    if not gzip:
        block = block.replace("gzip on;", "gzip off;")
    # Around the documented content, only what nginx needs to run from a scratch folder in the foreground. Its
    # workers write uploads above 16 KB to the body folder, inside pytest's private temporary folder: started by
    # root they would run as nobody, who cannot reach it, so they keep the caller's own user.
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"daemon off;\n{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n"
        f"{block}\n}}\n"
    )
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf)], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while app_server.http_get(f"{url}/_stcore/health")[0] != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise ProxyError(f"nginx did not start: {process.stderr.read().decode()}")
        time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)

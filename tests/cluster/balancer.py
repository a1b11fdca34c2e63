"""Debian's nginx as the load balancer in front of the web processes: round
robin, as an unprivileged process of the test (its own config, logs and
temporary files in a folder), never the machine's nginx service."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import httpx

NGINX = "/usr/sbin/nginx"
# The response header that names the web process (its address) that answered.
UPSTREAM_HEADER = "X-Confera-Upstream"

CONFIG = """\
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$remote_addr "$host" "$request" $status $upstream_addr';
    access_log {folder}/access.log upstream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 100m;
    upstream confera_web {{
{servers}
    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
{listens}
        location / {{
            proxy_pass http://confera_web;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Forwarded-Port $server_port;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 300s;
            add_header {header} $upstream_addr always;
        }}
    }}
}}
"""


class LoadBalancer:
    """nginx on ``addresses`` (all on one port), round robin over ``upstreams``
    (``host:port`` of each web process)."""

    def __init__(self, folder: Path, addresses: list[str], port: int, upstreams: list[str]):
        self.folder, self.port, self.upstreams = folder, port, upstreams
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "nginx.conf"
        self.config.write_text(CONFIG.format(
            folder=folder, header=UPSTREAM_HEADER,
            servers="\n".join(f"        server {u};" for u in upstreams),
            listens="\n".join(f"        listen {a}:{port};" for a in addresses)))
        self.proc = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(self.config)])
        self._wait_listening(addresses[0])

    def _wait_listening(self, address: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                log = (self.folder / "error.log").read_text(errors="replace")
                raise RuntimeError(f"nginx exited with {self.proc.returncode}: {log}")
            try:
                httpx.get(f"http://{address}:{self.port}/", timeout=1.0)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise TimeoutError("nginx did not start") from None
                time.sleep(0.05)

    def upstreams_in_log(self) -> list[str]:
        """The web process (``host:port``) that answered each request so far."""
        log = self.folder / "access.log"
        text = log.read_text() if log.exists() else ""
        return [m.group(1) for m in re.finditer(r" (\S+)$", text, re.MULTILINE)]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # nginx: SIGTERM is a fast shutdown
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

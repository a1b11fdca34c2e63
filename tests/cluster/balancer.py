"""Debian's nginx as the load balancer in front of the web processes: round
robin, as an unprivileged process of the test (its own config, logs and
temporary files in a folder), never the machine's nginx service."""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

NGINX = "/usr/sbin/nginx"
# The response header that names the web process (its address) that answered.
UPSTREAM_HEADER = "X-Confera-Upstream"
UNPRIVILEGED_USER = "nobody"

CONFIG = """\
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$remote_addr "$host" "$request" $status $upstream_addr';
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 100m;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
{doors}
}}
"""

# One door: its own upstream block, so its round robin counts its own
# requests only (the nodes' heartbeats do not take turns from a browser's).
DOOR = """\
    upstream {name} {{
{servers}
    }}
    server {{
        listen {address}:{port};
        access_log {folder}/access-{index}.log upstream;
        location / {{
            proxy_pass http://{name};
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
"""


class LoadBalancer:
    """nginx round robin over ``upstreams`` (``host:port`` of each web
    process), on one port of each of ``addresses``: the first is the public
    door (browsers, API clients), the others internal ones (nodes, egress).
    Its config, logs and temporary files are in a fresh folder of its own,
    removed by ``stop``; started by root, it runs as ``nobody`` throughout."""

    def __init__(self, addresses: list[str], port: int, upstreams: list[str]):
        self.port, self.upstreams = port, upstreams
        self.folder = Path(tempfile.mkdtemp(prefix="confera-nginx-"))
        self.config = self.folder / "nginx.conf"
        # max_fails=0: a web that refused a connection (still starting) is not
        # left out for fail_timeout; the turns stay strict.
        servers = "\n".join(f"        server {u} max_fails=0;" for u in upstreams)
        doors = "".join(DOOR.format(name=f"confera_web_{i}", servers=servers, address=address,
                                    port=port, header=UPSTREAM_HEADER, folder=self.folder,
                                    index=i)
                        for i, address in enumerate(addresses))
        self.config.write_text(CONFIG.format(folder=self.folder, doors=doors))
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(self.config),
             "-e", str(self.folder / "error.log")], **self._unprivileged())
        self._wait_listening(addresses[0])

    def _unprivileged(self) -> dict[str, str]:
        """Popen's user and group: ``nobody`` when we are root (nginx's
        master would otherwise stay root), owning the folder; else ourselves."""
        if os.geteuid() != 0:
            return {}
        nobody = pwd.getpwnam(UNPRIVILEGED_USER)
        os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)
        return {"user": UNPRIVILEGED_USER, "group": grp.getgrgid(nobody.pw_gid).gr_name}

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

    def upstreams_in_log(self, door: int = 0) -> list[str]:
        """The web process (``host:port``) that answered each request so far
        through door ``door`` (0: the public one)."""
        log = self.folder / f"access-{door}.log"
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
        shutil.rmtree(self.folder, ignore_errors=True)

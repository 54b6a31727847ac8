"""Running the service in a child process on a free loopback port (the load test and the browser test use it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_server(
    var_dir: Path, workers: int = 1, timeout: float = 120, started: Callable[[int], None] = lambda pid: None
) -> Iterator[str]:
    """Start uvicorn on 127.0.0.1 with its database and caches under `var_dir`; yield its base URL once healthy.
    `started` gets the server's process id (the load test reads its workers' memory)."""
    with server_process(var_dir, workers, timeout) as (base, proc):
        started(proc.pid)
        yield base


@contextmanager
def server_process(
    var_dir: Path, workers: int = 1, timeout: float = 120, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`local_server`, yielding the process too (with one worker, the process that serves); `env` adds variables
    (DATABASE_URL selects another database; by default it is SQLite under `var_dir`). The server reads a copy of the
    knowledge base under `var_dir`: an admin key's imports and withdrawals (a fuzzer sends them) never touch data/."""
    port = free_port()
    data = var_dir / "data"
    if not data.exists():
        shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("companies"))
        shutil.copytree(ROOT / "models", var_dir / "models")  # the tuned parameters, found beside data/
    base_env = {**os.environ, "MATCHER_VAR_DIR": str(var_dir), "MATCHER_DATA_DIR": str(data)}
    base_env.pop("DATABASE_URL", None)
    env = {**base_env, **(env or {})}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the server did not become healthy within {timeout:.0f} s")
            time.sleep(0.5)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

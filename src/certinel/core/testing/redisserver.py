"""A Redis server for the test suite: the one on 127.0.0.1:6379 when it answers, or a
throwaway one started from the installed `redis-server`, stopped again when the tests end."""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import tempfile
import time

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 6379


class RedisUnavailable(RuntimeError):
    pass


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((DEFAULT_HOST, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((DEFAULT_HOST, 0))
        return int(s.getsockname()[1])


def redis_url() -> str:
    """The URL of a Redis server for tests (database 15), starting one if none answers."""
    if _answers(DEFAULT_PORT):
        return f"redis://{DEFAULT_HOST}:{DEFAULT_PORT}/15"
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable("No Redis answers on 127.0.0.1:6379 and redis-server is not installed to start one. "
                               "Install Debian's 'redis-server' package.")
    port = _free_port()
    folder = tempfile.mkdtemp(prefix="certinel-redis-")
    server = subprocess.Popen([binary, "--port", str(port), "--bind", DEFAULT_HOST, "--save", "", "--appendonly",
                               "no", "--dir", folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop() -> None:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    for _ in range(100):
        if _answers(port):
            return f"redis://{DEFAULT_HOST}:{port}/15"
        if server.poll() is not None:
            break
        time.sleep(0.05)
    raise RedisUnavailable(f"redis-server did not start on port {port} (exit status {server.poll()}).")

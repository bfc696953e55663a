"""Several server processes on one port, each with its own listening socket.

uvicorn's own supervisor shares one listening socket between its workers: whichever worker
wakes first accepts, so the keep-alive connections a client opens at once can land mostly on
one worker and stay there. Here every worker binds its own socket with SO_REUSEPORT and the
kernel spreads new connections evenly over them by their addresses and ports. A worker that
dies is replaced; its multiprocess metrics files are marked dead first.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import signal
import socket
import threading
from multiprocessing.context import SpawnProcess
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from marketplace.metrics.exposition import mark_worker_dead

log = logging.getLogger("uvicorn.error")
spawn = multiprocessing.get_context("spawn")


def _tcp_socket(host: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return sock


def reuse_port_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """Bind a listening socket that other processes of this user can bind beside it."""
    sock = _tcp_socket(host)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def check_port_free(host: str, port: int) -> None:
    """Raise OSError when something already listens on the port.

    SO_REUSEPORT would otherwise let a second server of the same user join the first one's
    port and take half of its connections.
    """
    with _tcp_socket(host) as probe:
        probe.bind((host, port))


def freeze_startup_heap() -> None:
    """Take every object alive after start-up out of the garbage collector's walks.

    A full collection walks every tracked object: about 110,000 once FastAPI, SQLAlchemy and
    pydantic are loaded, some 40 ms on a 2-core machine, a pause that every request in flight
    waits through. Start-up objects live as long as the process and need no walking.
    """
    gc.collect()
    gc.freeze()


def _serve_one(config: uvicorn.Config) -> None:
    config.configure_logging()
    try:
        sock = reuse_port_socket(config.host, config.port, config.backlog)
    except OSError as error:
        log.error("worker could not bind %s:%s: %s", config.host, config.port, error)
        raise SystemExit(STARTUP_FAILURE) from error
    config.load()
    freeze_startup_heap()
    uvicorn.Server(config).run(sockets=[sock])


class Workers:
    """Keep `count` server processes running on one port until SIGINT or SIGTERM.

    Usage::

        config = uvicorn.Config("marketplace.app:create_app", factory=True, port=8000)
        Workers(config, count=2).run()
    """

    def __init__(self, config: uvicorn.Config, count: int) -> None:
        self.config = config
        self.count = count
        self.processes: list[SpawnProcess] = []
        self.should_exit = threading.Event()
        self.exit_code = 0

    def _start(self) -> SpawnProcess:
        process = spawn.Process(target=_serve_one, args=(self.config,))
        process.start()
        return process

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, stopping the workers", signal.Signals(signum).name)
        self.should_exit.set()

    def run(self) -> int:
        """Serve until told to stop; return the exit code (non-zero if workers cannot start)."""
        check_port_free(self.config.host, self.config.port)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._stop)
        self.processes = [self._start() for _ in range(self.count)]
        while not self.should_exit.wait(0.5):
            self._replace_dead()
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(timeout=self.config.timeout_graceful_shutdown or 30)
            if process.is_alive():
                process.kill()
                process.join()
        return self.exit_code

    def _replace_dead(self) -> None:
        for index, process in enumerate(self.processes):
            if process.is_alive():
                continue
            assert process.pid is not None
            mark_worker_dead(process.pid)
            if process.exitcode == STARTUP_FAILURE:
                # A worker that cannot start (the port, the app) would fail the same way again.
                log.error("worker %s failed to start; stopping", process.pid)
                self.exit_code = STARTUP_FAILURE
                self.should_exit.set()
                return
            log.warning(
                "worker %s died (exit code %s); starting another", process.pid, process.exitcode
            )
            self.processes[index] = self._start()

"""Running an aiohttp application in a thread of its own (tests, the benchmark, the main job),
started and stopped by whoever holds the handle, and the blocking `serve` of the node command."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web


class ServerThread:
    """An aiohttp application served on host:port by an event loop in a daemon thread.
    `start()` returns once it listens; `stop()` shuts it down (its cleanup hooks run) and joins."""

    def __init__(self, make_app: Callable[[], web.Application], host: str, port: int) -> None:
        self.make_app, self.host, self.port = make_app, host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> ServerThread:
        self._thread = threading.Thread(target=self._run, name=f"server-{self.port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"server on {self.url} did not start within {timeout} s")
        if self._error is not None:
            self._thread.join(timeout)
            raise self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._runner = web.AppRunner(self.make_app(), handle_signals=False)
            loop.run_until_complete(self._runner.setup())
            loop.run_until_complete(web.TCPSite(self._runner, self.host, self.port).start())
        except BaseException as err:
            self._error = err
            self._ready.set()
            with contextlib.suppress(Exception):
                if self._runner is not None:
                    loop.run_until_complete(self._runner.cleanup())
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def stop(self, timeout: float = 30.0) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


async def _serve(app: web.Application, host: str, port: int, on_listening: Callable[[], None]) -> None:
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await web.TCPSite(runner, host, port).start()
        on_listening()
        await stop.wait()
    finally:
        await runner.cleanup()


def serve(app: web.Application, host: str, port: int, on_listening: Callable[[], None]) -> None:
    """Serves until SIGTERM or SIGINT, then stops cleanly (open requests finish, state is closed)."""
    asyncio.run(_serve(app, host, port, on_listening))


class NodeProcess:
    """`python -m mor_market.node --config PATH` as a child process, its key in its environment;
    `listening()` waits for the line that says where it listens, `terminate()` sends SIGTERM and
    returns the exit code, `kill()` makes sure it is gone (for a finally)."""

    def __init__(self, config_path: Path, key: bytes, cwd: Path | None = None) -> None:
        from mor_market.node.config import KEY_ENV

        env = dict(os.environ, **{KEY_ENV: "0x" + key.hex()})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mor_market.node", "--config", str(config_path)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def listening(self, timeout: float = 60) -> dict[str, Any]:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError("the node did not say where it listens")
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise RuntimeError(f"the node exited with {code}: {self.stderr()}")
        return json.loads(line)

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read()[-2000:]

    def terminate(self, timeout: float = 30) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

"""Geoparsing in worker processes, so that the event loop keeps answering while a long report
is analysed (a 200,000-character one held every request for minutes before).

Each worker keeps its own snapshot, keyed by the gazetteer's revision. A job carries only the
revision; a worker whose snapshot is of another revision answers that it needs the sources
and is sent them once (0.3 MB pickled for the built-in gazetteer, where the built snapshot
with its automaton pickles to 9.7 MB), then builds its snapshot from them.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from app.errors import Unavailable
from app.geoparse.analysis import Analysis, Job, analyse
from app.geoparse.cache import Gazetteer
from app.geoparse.gazetteer import Snapshot, Sources

log = logging.getLogger("app.geoparse.pool")

# The worker's own snapshot (in a worker process only) and the revision it was built for.
_snapshot: tuple[str, Snapshot] | None = None


def _start_worker(server: int) -> None:
    # A Ctrl-C in a terminal reaches the whole process group: the server decides when
    # workers stop (at shutdown), not the signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(server,), daemon=True).start()


def _exit_with(server: int) -> None:
    """End this worker when the server is gone: killed (kill -9, out of memory), it cannot
    stop its workers, which would wait for work forever."""
    while os.getppid() == server:
        time.sleep(1)
    os._exit(0)


def _ping() -> None:
    """Nothing: sent to start a worker (and import this module there) before a report."""


def _run(revision: str, sources: Sources | None, job: Job) -> Analysis | None:
    """In a worker: the analysis, or None when this worker needs the sources of
    ``revision`` first."""
    global _snapshot
    if _snapshot is None or _snapshot[0] != revision:
        if sources is None:
            return None
        _snapshot = (revision, sources.build())
    return analyse(_snapshot[1], job)


class GeoparsePool:
    """``workers`` processes that analyse reports; made and closed in the app's lifespan.
    They start in the background at once (a second or so each), not with the first report."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor = self._new_executor()
        for _ in range(workers):
            self._executor.submit(_ping)

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn: a fork of a running server would copy its threads' locks and sockets.
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )

    async def analyse(self, gazetteer: Gazetteer, job: Job) -> Analysis:
        """The analysis of ``job`` by a worker, with a snapshot of ``gazetteer``."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            result = await loop.run_in_executor(executor, _run, gazetteer.revision, None, job)
            if result is None:
                result = await loop.run_in_executor(
                    executor, _run, gazetteer.revision, gazetteer.sources, job
                )
        except BrokenProcessPool as exc:
            # A worker died (killed, out of memory): the executor is unusable from then on.
            log.error("a geoparsing worker died; starting new ones")
            if self._executor is executor:
                self._executor = self._new_executor()
                executor.shutdown(wait=False, cancel_futures=True)
            raise Unavailable("the geoparser was restarted; retry the request") from exc
        assert result is not None
        return result

    async def close(self) -> None:
        """Stop the workers (a job still running is waited for)."""
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)

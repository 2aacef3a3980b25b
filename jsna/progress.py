"""Progress of a refresh (chunks fetched n/N, areas written n/33).

Assets report here; ``jsna refresh`` shows it on a terminal and stays quiet under CI
or when output is redirected. The Dagster run log gets the same lines.
"""

from __future__ import annotations

import logging
import sys

from jsna import environment

log = logging.getLogger("jsna.progress")


def report(what: str, done: int, total: int) -> None:
    log.info("%s %d/%d", what, done, total)


class TerminalProgress(logging.Handler):
    """Rewrites one status line on a terminal."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(f"\r\033[K{record.getMessage()}")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
        super().close()


def attach_terminal() -> TerminalProgress | None:
    """Show progress when stderr is a terminal and not under CI."""
    if environment.read("CI") or not sys.stderr.isatty():
        return None
    handler = TerminalProgress()
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return handler

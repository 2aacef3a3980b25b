"""One refresh at a time per output root, whatever launched it (CLI, UI, schedule).

A Dagster run's steps may run in separate processes (the UI's multiprocess executor), so
a lock held by one process cannot cover a run. Instead the first step of a run takes a
*lease* (a small JSON file in the state folder, written under an ``flock``) naming its
publication, run and process; every later step of the same publication renews it, and
the commit releases it. Another refresh finds the lease and is refused while its holder
is alive; a holder that died (its process gone, its run ended) is taken over, and the
staging it left behind is discarded by the next commit.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsna.publication.files import locked_file, read_nofollow, write_atomic
from jsna.publication.paths import refuse_links
from jsna.publication.transaction import STAGING, RefreshLockedError

LEASE = "refresh.lease"
LEASE_LOCK = "refresh.lock"
# A copy of the lease inside the output root (its staging folder), which every refresh of
# the root sees whatever state folder it keeps (JSNA_STATE_DIR may differ between two).
ROOT_LEASE = "lease.json"


def process_alive(holder: dict[str, Any]) -> bool:
    """The holder's process still runs (on this host; a lease from another host counts
    as alive, since it cannot be checked from here)."""
    if holder.get("host") != socket.gethostname():
        return True
    pid = int(holder.get("pid") or 0)
    if pid <= 0 or pid == os.getpid():  # one process runs one refresh at a time
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RefreshLease:
    """The lease on one output root, kept in its state folder."""

    def __init__(self, state_dir: Path, root: Path) -> None:
        self.state_dir = state_dir
        self.root = root

    @property
    def path(self) -> Path:
        return self.state_dir / LEASE

    def holder(self) -> dict[str, Any] | None:
        try:
            data = json.loads(read_nofollow(self.path))
        except FileNotFoundError:
            return None
        except ValueError:
            return None  # a torn or edited lease holds nothing
        return data if isinstance(data, dict) else None

    def acquire(
        self,
        publication: str,
        run_id: str,
        is_alive: Callable[[dict[str, Any]], bool] = process_alive,
        dagster_home: str | None = None,
    ) -> None:
        """Take or renew the lease for ``publication``, or raise ``RefreshLockedError``.

        ``dagster_home`` names the Dagster instance the run belongs to, so that a refresh
        launched from another instance (a CLI without ``DAGSTER_HOME``) can still ask
        whether the run lives while it is between steps and no process of it runs."""
        with locked_file(self.state_dir / LEASE_LOCK, blocking=True):
            current = self.holder() or {}
            renewing = current.get("publication") == publication
            if current and not renewing and is_alive(current):
                raise RefreshLockedError(
                    f"another refresh (pid {current.get('pid')}, run {str(current.get('run_id'))[:8]}) "
                    f"is running on {self.root}; wait for it to finish"
                )
            lease = {
                "publication": publication,
                "run_id": run_id,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                **({"dagster_home": dagster_home} if dagster_home else {}),
                "since": current.get("since") if renewing else datetime.now(UTC).isoformat(timespec="seconds"),
            }
            other = self._root_holder()
            if other and other.get("state_dir") != str(self.state_dir) and other.get("publication") != publication:
                if is_alive(other):
                    raise RefreshLockedError(
                        f"another refresh (pid {other.get('pid')}, run {str(other.get('run_id'))[:8]}) is running on "
                        f"{self.root} with the state folder {other.get('state_dir')}; wait for it to finish "
                        "(and give every refresh of one output root the same JSNA_STATE_DIR)"
                    )
            write_atomic(self.path, json.dumps(lease).encode())
            self._write_root_lease({**lease, "state_dir": str(self.state_dir)})

    def holds(self, publication: str) -> bool:
        current = self.holder()
        return bool(current) and current.get("publication") == publication  # type: ignore[union-attr]

    def release(self, publication: str) -> None:
        with locked_file(self.state_dir / LEASE_LOCK, blocking=True):
            if self.holds(publication):
                self.path.unlink(missing_ok=True)
            mine = self._root_holder()
            if mine and mine.get("publication") == publication and mine.get("state_dir") == str(self.state_dir):
                (self.root / STAGING / ROOT_LEASE).unlink(missing_ok=True)

    def _root_holder(self) -> dict[str, Any] | None:
        try:
            data = json.loads(read_nofollow(self.root / STAGING / ROOT_LEASE))
        except (FileNotFoundError, NotADirectoryError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write_root_lease(self, lease: dict[str, Any]) -> None:
        folder = refuse_links(self.root, STAGING)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / ROOT_LEASE, json.dumps(lease).encode())

"""Fault injection for the sample API: the failures the live service and proxies produce.

A fault matches requests by a substring of their path and query (``all_data``, or
``child_area_type_id=221`` for the ICBs' requests only) and applies a number of times
(or always). Tests set faults through ``SampleApiState`` directly, or over HTTP with
``POST /_sample/config``, or at start-up with ``jsna sample-api --config FILE``.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from jsna import environment
from jsna.sample_api.areas import SampleArea, upper_tier_areas
from jsna.sample_api.areas import icbs as icb_list

FAULT_KINDS = (
    "status",  # answer with `status` (and Retry-After if given)
    "html",  # an HTML error page with status 200, as proxies serve
    "truncate",  # cut the body in half, keeping the declared Content-Length
    "truncate_chunked",  # cut the body mid-row and end the answer cleanly (no length)
    "chunked_short",  # chunked answer that ends cleanly after whole rows, short of its Content-Length
    "delay",  # wait `seconds` before answering
    "reset",  # close the connection without an answer
    "drop_column",  # leave out the served column named `column`
    "rename_column",  # rename column `column` to `new_name`
    "extra_column",  # add an unknown column `column` with value `value`
    "set_value",  # set `column` to `value` in rows of indicator `indicator_id` (and area)
    "empty",  # status 200 with an empty body
    "no_content",  # status 204, no body
    "header_only",  # the CSV header and no rows, as an outage behind a cache can answer
    "drip",  # send the body one byte every `seconds` (a stalled link that never times out)
    "oversize",  # a body of `size` bytes (runaway answer)
    "gzip_unterminated",  # gzip-encoded body whose stream stops before its end
    "swap_ids",  # rows of `indicator_id` and `other_id` carry each other's id
    "drop_rows",  # keep only the first `size` rows of indicator `indicator_id` (0: none)
    "duplicate_rows",  # serve the rows of `indicator_id` in `category` twice
    "drop_area",  # leave out every row of `area_code` (of every indicator)
    "swap_columns",  # the headers `column` and `new_name` exchanged (their data answers under the other's name)
    "cut_last_field",  # cut inside the last field of the last row, then a line end (it still parses)
    "gzip_members",  # the body gzip-encoded as two members (a valid answer: every row must arrive)
    "damage",  # one random damage of jsna.sample_api.damage, chosen and sized by `seed`
    "set_metadata",  # set metadata column `column` (e.g. Polarity) to `value` for `indicator_id`
    "null_upload",  # indicator metadata whose DataChange.LastUploadedAt is null for `indicator_id`
    "flap_areas",  # `area_code` leaves and comes back on alternate area lists (match area_type_id=502)
    "keep_areas",  # an area list (areas/by_area_type) answering only its first `size` areas
    "extra_areas",  # an area list with `size` made-up areas after the real ones
    "unlisted_areas",  # data answers also carrying the rows of `size` made-up areas no area list names
)


@dataclass
class Fault:
    """One injected failure."""

    kind: str
    match: str = "all_data"
    times: int | None = 1
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    column: str | None = None
    new_name: str | None = None
    value: str = ""
    indicator_id: int | None = None
    area_code: str | None = None
    category: str | None = None
    other_id: int | None = None
    size: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")


@dataclass
class SampleApiState:
    """Mutable server state: faults, latency, revisions and a request log."""

    faults: list[Fault] = field(default_factory=list)
    latency_seconds: float = 0.0  # added to every request
    seconds_per_indicator: float = 0.0  # added per indicator id in a data request
    revisions: dict[int, int] = field(default_factory=dict)  # simulated upstream updates
    bom: bool = False
    # Areas upstream gained or lost (a new unitary authority, a merger): code -> (name, region code).
    added_areas: dict[str, tuple[str, str]] = field(default_factory=dict)
    removed_areas: set[str] = field(default_factory=set)
    # England at its real scale (153 councils), or only London's and the named areas elsewhere
    # (45): the suite's smaller England, where a test's subject is not England's scale.
    fill: bool = field(default_factory=lambda: environment.read("JSNA_SAMPLE_ENGLAND", "full") != "named")
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def take_faults(self, path: str) -> list[Fault]:
        """The faults that apply to this request, consuming one use of each."""
        chosen: list[Fault] = []
        with self.lock:
            for fault in self.faults:
                if fault.match in path and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    chosen.append(fault)
        return chosen

    def log(self, path: str, query: str, status: int | None = None) -> dict[str, Any]:
        """Record a request as it arrives; its status is filled in when answered."""
        entry: dict[str, Any] = {"path": path, "query": query, "status": status}
        with self.lock:
            self.requests.append(entry)
        return entry

    def configure(self, config: dict[str, Any]) -> None:
        """Apply a JSON configuration (the ``/_sample/config`` body or a config file)."""
        with self.lock:
            if "faults" in config:
                self.faults = [Fault(**f) for f in config["faults"]]
            if "latency_seconds" in config:
                self.latency_seconds = float(config["latency_seconds"])
            if "seconds_per_indicator" in config:
                self.seconds_per_indicator = float(config["seconds_per_indicator"])
            if "revisions" in config:
                self.revisions = {int(k): int(v) for k, v in config["revisions"].items()}
            if "bom" in config:
                self.bom = bool(config["bom"])
            if "added_areas" in config:
                self.added_areas = {str(c): (str(n), str(r)) for c, (n, r) in config["added_areas"].items()}
            if "removed_areas" in config:
                self.removed_areas = {str(c) for c in config["removed_areas"]}
            if "fill" in config:
                self.fill = bool(config["fill"])
            if config.get("reset_requests"):
                self.requests.clear()

    def areas(self) -> tuple[SampleArea, ...]:
        """The upper-tier areas served now, with the areas added and removed upstream."""
        added = tuple(SampleArea(c, n, r) for c, (n, r) in sorted(self.added_areas.items()))
        return upper_tier_areas(added, frozenset(self.removed_areas), self.fill)

    def icbs(self) -> tuple[tuple[str, str], ...]:
        """The ICBs served now: (code, name), England's 42 or the smaller England's."""
        return icb_list(self.fill)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "faults": [asdict(f) for f in self.faults],
                "latency_seconds": self.latency_seconds,
                "seconds_per_indicator": self.seconds_per_indicator,
                "revisions": {str(k): v for k, v in self.revisions.items()},
                "bom": self.bom,
                "added_areas": {c: list(v) for c, v in self.added_areas.items()},
                "removed_areas": sorted(self.removed_areas),
                "fill": self.fill,
                "requests": list(self.requests),
            }

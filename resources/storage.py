"""Where Dagster keeps the tables passed between assets: Parquet in the state folder.

Dagster's default IO managers pickle outputs, and unpickling runs code: a file planted
where the pickles live would run on the next load. The tables passed between these
assets are all DataFrames, so they are stored as Parquet (data, never code), outside
the published tree, written atomically.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import ConfigurableIOManager, DagsterInvariantViolationError, InputContext, OutputContext
from dagster._core.execution.plan.plan import ExecutionPlan
from pydantic import PrivateAttr

from jsna.memory import release_freed
from jsna.publication.files import file_identity, write_atomic

PUBLICATION_TAG = "jsna/publication"  # a launch that names its publication (tests; a run without it is its own)
BACKFILL_TAG = "dagster/backfill"
LAUNCH = "jsna:launch"  # which launch computed a stored table (Parquet metadata, DataFrame.attrs)
ROW_GROUP_ROWS = 1 << 16
LARGE_TABLE_BYTES = 4 << 20  # a Parquet file this large is worth a collection of garbage before it is read


def launch_id(tags: Mapping[str, str], run_id: str) -> str:
    """One launch: a run, a backfill that spans runs, or the CLI's runs sharing a publication."""
    return tags.get(PUBLICATION_TAG) or tags.get(BACKFILL_TAG) or run_id


class ParquetIOManager(ConfigurableIOManager):
    """DataFrames as Parquet files under ``base_dir``, one per asset."""

    base_dir: str
    # The tables this run read, by file, with the file's identity then: a run in one process
    # (the CLI's) reads each upstream table from disk once, not once per step that needs it.
    # A table is kept only while a step of the run has still to read it: the raw rows (the
    # largest table, read by the first steps) are not held through every later step.
    _kept: dict[Path, tuple[tuple[int, int, int], pd.DataFrame]] = PrivateAttr(default_factory=dict)
    _reads_left: dict[tuple[str, str], int] = PrivateAttr(default_factory=dict)

    def _path(self, context: InputContext | OutputContext) -> Path:
        """One file per asset, whatever the partitions: a partitioned step passes whole tables
        (the summary step passes every area's rows, which ranks need), so a downstream step
        loads the same table whichever partitions it runs for. The launch recorded in the file
        tells whether it was computed in this launch."""
        parts = context.asset_key.path if context.has_asset_key else [context.step_key, context.name]
        return Path(self.base_dir, *parts).with_suffix(".parquet")

    def handle_output(self, context: OutputContext, obj: object) -> None:
        if obj is None:
            return  # assets that only publish files pass nothing downstream
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(f"{context.asset_key.to_user_string()}: only DataFrames are passed between assets")
        path = self._path(context)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent.is_symlink():
            raise OSError(f"{path.parent} is a symbolic link; refusing to write through it")
        run = context.step_context.dagster_run
        table = pa.Table.from_pandas(obj, preserve_index=False)
        metadata = {**(table.schema.metadata or {}), LAUNCH.encode(): launch_id(run.tags, run.run_id).encode()}
        sink = pa.BufferOutputStream()
        # Row groups of 64Ki rows: a large table is read back a group at a time, so no column
        # is built in one buffer that grows by doubling (twice its size at the peak).
        pq.write_table(table.replace_schema_metadata(metadata), sink, row_group_size=ROW_GROUP_ROWS)
        write_atomic(path, sink.getvalue().to_pybytes())

    def load_input(self, context: InputContext) -> pd.DataFrame | None:
        """The upstream table, marked with the launch that computed it; None when there is
        none (a quiet night's steps pass nothing, and do no work either: see
        ``assets.staging``)."""
        path = self._path(context)
        if not path.exists():
            return None
        left = self._read_once_more(context)
        kept = self._kept.pop(path, None) if left == 0 else self._kept.get(path)
        if kept is not None and kept[0] == file_identity(path):
            return kept[1] if left == 0 else kept[1].copy()  # each step its own frame
        if path.stat().st_size > LARGE_TABLE_BYTES:
            # The step that made a large table (the raw rows) is still held by Dagster's
            # finished event generators, which only the cycle collector frees: free it
            # before a second copy is read, or the run's peak holds both.
            gc.collect()
            release_freed()
        frame = pd.read_parquet(path)
        # Which launch computed it: a publishing step refuses tables from an earlier launch.
        frame.attrs[LAUNCH] = (pq.read_schema(path).metadata or {}).get(LAUNCH.encode(), b"").decode()
        if left != 0:
            self._kept[path] = (file_identity(path), frame.copy())
        return frame

    def _read_once_more(self, context: InputContext) -> int | None:
        """How many reads of this input's table the run's steps still make after this one
        (None when no run plan is at hand, e.g. a test's input context: then it is kept)."""
        try:
            plan = context.step_context.execution_plan
            run_id, upstream = context.step_context.run_id, context.upstream_output.step_key
        except DagsterInvariantViolationError:
            return None
        if not any(run == run_id for run, _ in self._reads_left):
            self._reads_left = dict(_reads_of(plan, run_id))
        key = (run_id, upstream)
        if key not in self._reads_left:
            return None
        self._reads_left[key] -= 1
        return max(self._reads_left[key], 0)


def _reads_of(plan: ExecutionPlan, run_id: str) -> Counter[tuple[str, str]]:
    """How many step inputs of the steps this run executes read each upstream step's output."""
    return Counter(
        (run_id, handle.step_key)
        for key in plan.step_keys_to_execute
        for step_input in plan.get_step_by_key(key).step_inputs
        for handle in step_input.get_step_output_handle_dependencies()
    )

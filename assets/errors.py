"""A failed step says why in one line: the pipeline's own reason, not Dagster's wrapper.

Dagster wraps an exception raised in an asset in ``DagsterExecutionStepExecutionError``
and shows the wrapper first; an analyst in the UI then has to dig for the cause. The
errors the pipeline raises on purpose (an unreachable API, a refused answer, an unsafe
path, another refresh running, a full disk) become ``dagster.Failure`` with the
reason as its description, which the UI and the CLI show as the run's error.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

import pandera.pandas as pa
from dagster import Failure

from jsna.areas import ImplausibleAreaListError
from jsna.catalogue import CatalogueError
from jsna.fingertips import FingertipsError
from jsna.footprints.config import FootprintsError
from jsna.publication import ManifestDamagedError, ProvenanceError, RefreshLockedError, UnsafePathError
from jsna.raw_store import RawStoreDamagedError

PIPELINE_ERRORS: tuple[type[BaseException], ...] = (
    FingertipsError,
    ProvenanceError,
    UnsafePathError,
    RefreshLockedError,
    RawStoreDamagedError,
    ManifestDamagedError,
    CatalogueError,
    FootprintsError,
    ImplausibleAreaListError,
    OSError,
)


def one_line(exc: BaseException | str) -> str:
    """The first line of the reason ("\n": str.splitlines would also cut at a vertical tab),
    control characters shown escaped, never acted on by a terminal."""
    text = _contract_failure(exc) or str(exc) or type(exc).__name__
    first = text.split("\n")[0]
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", first)


def one_line_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the pipeline's own errors raised by an asset body into ``Failure``."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(*args, **kwargs)
            except PIPELINE_ERRORS as exc:
                raise Failure(description=one_line(exc)) from exc

        return generator

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PIPELINE_ERRORS as exc:
            raise Failure(description=one_line(exc)) from exc

    return wrapper


def _contract_failure(exc: BaseException | str) -> str | None:
    """A table that breaks its contract, in words: pandera's own message is a JSON
    report whose first line is ``{``."""
    if not isinstance(exc, pa.errors.SchemaErrors):
        return None
    cases = exc.failure_cases
    first = cases.iloc[0] if len(cases) else None
    where = (
        f"; first: column {first['column']}, {first['check']} (got {first['failure_case']!r})"
        if first is not None
        else ""
    )
    return f"the {exc.schema.name} table breaks its contract: {len(cases)} failure(s){where}"

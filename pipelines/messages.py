"""What the command line says when something goes wrong: one line with the reason (never a
traceback) and, where there is one, what to do about it."""

from __future__ import annotations

import argparse
import re
import sys

from jsna.fingertips import FingertipsError, FingertipsUnavailable
from jsna.remote import open_output_root
from pipelines.environment import Launch

EXIT_FAILED = 1


def _reason(exc: BaseException) -> BaseException:
    """The user's exception inside Dagster's step-failure wrappers (ours are kept whole)."""
    from dagster import Failure

    seen = exc
    while type(seen).__module__.startswith("dagster") and not isinstance(seen, Failure):
        inner = getattr(seen, "user_exception", None) or seen.__cause__
        if inner is None or inner is seen:
            break
        seen = inner
    return seen


def interrupted(args: argparse.Namespace) -> int:
    """The words for an interrupted command: whether the outputs are as they were."""
    output = Launch.load().with_flags(output_dir=getattr(args, "output", None)).output_dir
    try:
        pending = open_output_root(output).pending()
    except Exception:  # noqa: BLE001 - the message must come whatever the folder's state
        pending = False
    if pending:
        print(
            f"interrupted during the commit; jsna verify --output {output} (or the next refresh) finishes it",
            file=sys.stderr,
        )
    else:
        print("interrupted; previous outputs are unchanged", file=sys.stderr)
    return EXIT_FAILED


def fail(exc: BaseException) -> int:
    """Print the reason for a failure in one line, with a hint where there is one."""
    from assets.errors import one_line

    reason = _reason(exc)
    message = getattr(reason, "description", None) or one_line(reason)
    # The ids are listed once, compactly, after the URL: keep the line short.
    message = re.sub(r"indicator_ids=[0-9,]{40,}", "indicator_ids=...", one_line(message))
    print(f"error: refresh failed: {message}", file=sys.stderr)
    # A Failure made from our error carries it as its cause; our own errors come as they are.
    cause = reason if isinstance(reason, FingertipsError) or reason.__cause__ is None else reason.__cause__
    if isinstance(cause, FingertipsUnavailable):
        print(
            "hint: check your internet connection or proxy settings (HTTPS_PROXY); "
            "to try the pipeline offline, run: make sample",
            file=sys.stderr,
        )
    elif isinstance(cause, FingertipsError):
        print(
            "hint: the API answered with something other than the data asked for; previous outputs are unchanged.",
            file=sys.stderr,
        )
    return EXIT_FAILED

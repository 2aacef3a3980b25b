"""Freed memory goes back to the system (``jsna.memory``): a large answer parsed and let go
does not leave its peak behind for the next step to grow from."""

from __future__ import annotations

import json
import subprocess
import sys

# In a process of its own: the settings are for the whole process, and the measure is its
# resident memory. A body of about 45 MB is freed once first, as a refresh frees its first
# answer (glibc then raises its threshold for mapping blocks on their own); a second body is
# parsed by Arrow's CSV reader, as an answer is, then both are let go.
SCRIPT = """
import contextlib, io, json, sys
import pyarrow as pa
import pyarrow.csv as csv
from jsna.memory import answers_held, release_freed

def resident():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))

def body():
    rows = (b"E0%07d,Area %d,%d.5\\n" % (i, i, i) for i in range(1_500_000))
    return b"code,name,value\\n" + b"".join(rows)

usual = pa.default_memory_pool().backend_name
first = body()
del first
before = resident()
with answers_held() if sys.argv[1] == "held" else contextlib.nullcontext():
    held_by = pa.default_memory_pool().backend_name
    answer = body()
    table = csv.read_csv(io.BytesIO(answer))
    grown = resident() - before
    del answer, table
release_freed()
print(json.dumps({"grown": grown, "left": resident() - before, "held_by": held_by, "usual": usual,
                  "after": pa.default_memory_pool().backend_name}))
"""


def test_a_parsed_answer_let_go_gives_its_memory_back():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "held"], capture_output=True, text=True, check=True, timeout=120
    )
    figures = json.loads(done.stdout)
    assert figures["held_by"] == "system"  # Arrow allocates through glibc, which maps and trims
    assert figures["after"] == figures["usual"]  # and its own, faster pool is back for the later steps
    assert figures["grown"] > 100  # MiB: the body and its table were resident
    assert figures["left"] < 0.4 * figures["grown"], figures  # at least 60% handed back (about a quarter by default)

"""What the sample API answers at each endpoint, with the faults of the request applied
to the data (the faults of the transport are the server's, ``jsna.sample_api.server``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from jsna.sample_api import damage, data, metadata
from jsna.sample_api.areas import ENGLAND_CODE, REGIONS, SampleArea
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.indicators import known_indicators

Query = dict[str, list[str]]
MAX_IDS = 100  # the live server keeps the first 100 ids and silently drops the rest

_PROFILE_ROWS = (
    (50, "Adult mental health and wellbeing", "mental-health-and-wellbeing", 1938132720),
    (91, "Suicide prevention", "suicide", 1938132828),
    (159, "Children and young people's mental health", "cypmh", 1938133090),
    (84, "Dementia", "dementia", 1938133052),
    (19, "Public Health Outcomes Framework", "public-health-outcomes-framework", 1000049),
    (130, "Wider determinants of health", "wider-determinants", 1938133043),
)
PROFILES = [{"Id": i, "Name": n, "Key": k, "GroupIds": [g]} for i, n, k, g in _PROFILE_ROWS]


def _ids(query: dict[str, list[str]]) -> list[int]:
    raw = ",".join(query.get("indicator_ids", []))
    ids = [int(x) for x in raw.split(",") if x.strip().lstrip("-").isdigit()]
    return ids[:MAX_IDS]


def _csv(header: tuple[str, ...] | list[str], rows: list[tuple[str, ...]] | list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


class Question(NamedTuple):
    """What an ``all_data`` answer holds: its area types, the parent asked for, the indicators
    with their revisions, and the councils and ICBs served now."""

    child: int
    parent_type: int
    parent_code: str | None
    ids: tuple[tuple[int, int], ...]
    areas: tuple[SampleArea, ...]
    icbs: tuple[tuple[str, str], ...]


def all_data(state: SampleApiState, query: Query, faults: list[Fault]) -> tuple[bytes, str]:
    question = Question(
        child=int(query.get("child_area_type_id", ["502"])[0]),
        parent_type=int(query.get("parent_area_type_id", ["6"])[0]),
        parent_code=query.get("parent_area_code", [None])[0],
        ids=tuple((iid, state.revisions.get(iid, 0)) for iid in _ids(query)),
        areas=state.areas(),
        icbs=state.icbs(),
    )
    # The faults of a request change its rows: such an answer is made afresh.
    body = _answer(question, faults) if faults else _clean_answer(question)
    return (b"\xef\xbb\xbf" + body if state.bom else body), "text/csv; charset=utf-8"


@lru_cache(maxsize=16)  # at most 16 answers: 400 MB if each were all 46 indicators for all of England
def _clean_answer(question: Question) -> bytes:
    """A fault-free answer, kept: the same question about the same revisions gets the same
    bytes, and a suite asks it again refresh after refresh. Writing the CSV again from rows
    already made cost 0.09 s for the fault suite's 17 indicators over the smaller England
    (4.8 MB) and 0.39 s for all 46 over England's 153 councils (25 MB)."""
    return _answer(question, [])


def _answer(question: Question, faults: list[Fault]) -> bytes:
    """The CSV of the question's indicators with the request's column faults."""
    known = known_indicators()
    child, parent_type, parent_code = question.child, question.parent_type, question.parent_code
    below_councils = child == data.MSOA_AREA_TYPE and parent_type in data.AREA_TYPE_NAMES
    below_england = child == data.ICB_AREA_TYPE and parent_type == 15
    councils = {a.code for a in question.areas}
    parents = councils if below_councils else {ENGLAND_CODE} if below_england else set(REGIONS)
    if parent_code is not None and parent_code not in parents:
        raise ValueError(f"unknown parent_area_code {parent_code}")
    header = list(data.SERVED_HEADER)
    rows: list[list[str]] = []
    for iid, revision in question.ids:
        ind = known.get(iid)
        if ind is None:
            continue
        if below_councils or below_england:
            code = None if below_england else parent_code
            served = data.child_rows(ind, child, code, revision, question.areas, parent_type, served_icbs=question.icbs)
        elif child in data.AREA_TYPE_NAMES and parent_type == 6:
            served = data.indicator_rows(ind, parent_code, revision, question.areas, child)
        else:
            continue
        rows.extend(list(r) for r in served)
    header, rows = _apply_column_faults(header, rows, faults)
    return _csv(header, rows)


def metadata_csv(state: SampleApiState, query: Query, faults: list[Fault]) -> tuple[bytes, str]:
    known = known_indicators()
    rows_meta = [list(metadata.metadata_row(known[i])) for i in _ids(query) if i in known]
    header = metadata.METADATA_HEADER
    for fault in faults:
        if fault.kind == "set_metadata" and fault.column in header:
            at, iid = header.index(fault.column), header.index("Indicator ID")
            for row in rows_meta:
                if row[iid] == str(fault.indicator_id):
                    row[at] = fault.value
    return _csv(header, rows_meta), "text/csv; charset=utf-8"


def metadata_by_id(state: SampleApiState, query: Query, faults: list[Fault]) -> tuple[bytes, str]:
    known = known_indicators()
    payload = {str(i): _metadata_json(known[i], state.revisions.get(i, 0)) for i in _ids(query) if i in known}
    for fault in faults:
        if fault.kind == "null_upload" and str(fault.indicator_id) in payload:
            payload[str(fault.indicator_id)]["DataChange"]["LastUploadedAt"] = None
    return json.dumps(payload).encode(), "application/json"


def data_changes(state: SampleApiState, query: Query, faults: list[Fault]) -> tuple[bytes, str]:
    known = known_indicators()
    iid = int(query.get("indicator_id", ["0"])[0])
    if iid not in known:
        return b"null", "application/json"
    when = metadata.last_uploaded(known[iid], state.revisions.get(iid, 0))
    return json.dumps({"LastUploadedAt": when, "LastDeletedAt": None}).encode(), "application/json"


def areas_by_type(state: SampleApiState, query: Query, faults: list[Fault]) -> tuple[bytes, str]:
    area_type = int(query.get("area_type_id", ["502"])[0])
    for fault in faults:
        if fault.kind == "flap_areas" and fault.area_code:
            state.removed_areas ^= {fault.area_code}  # gone in one list, back in the next
    listed = _areas(area_type, state.areas(), state.icbs())
    for fault in faults:
        if fault.kind == "keep_areas":
            listed = damage.keep_areas(listed, fault.size)
        elif fault.kind == "extra_areas":
            listed = damage.extra_areas(listed, fault.size, area_type)
    return json.dumps(listed).encode(), "application/json"


def parent_to_child(state: SampleApiState, query: Query, faults: list[Fault]) -> tuple[bytes, str]:
    child = int(query.get("child_area_type_id", ["502"])[0])
    parent_type = int(query.get("parent_area_type_id", ["6"])[0])
    served = data.parent_to_child(state.areas()) if child in data.AREA_TYPE_NAMES and parent_type == 6 else {}
    return json.dumps(served).encode(), "application/json"


def profiles(state: SampleApiState, query: Query, faults: list[Fault]) -> tuple[bytes, str]:
    return json.dumps(PROFILES).encode(), "application/json"


ROUTES: dict[str, Callable[[SampleApiState, Query, list[Fault]], tuple[bytes, str]]] = {
    "all_data/csv/by_indicator_id": all_data,
    "indicator_metadata/csv/by_indicator_id": metadata_csv,
    "indicator_metadata/by_indicator_id": metadata_by_id,
    "data_changes": data_changes,
    "areas/by_area_type": areas_by_type,
    "parent_to_child_areas": parent_to_child,
    "profiles": profiles,
}


def _apply_column_faults(
    header: list[str], rows: list[list[str]], faults: list[Fault]
) -> tuple[list[str], list[list[str]]]:
    for fault in faults:
        if fault.kind == "drop_column" and fault.column in header:
            i = header.index(fault.column)
            header = header[:i] + header[i + 1 :]
            rows = [r[:i] + r[i + 1 :] for r in rows]
        elif fault.kind == "rename_column" and fault.column in header:
            header = [fault.new_name or "" if h == fault.column else h for h in header]
        elif fault.kind == "extra_column":
            header = [*header, fault.column or "Unexpected"]
            rows = [[*r, fault.value] for r in rows]
        elif fault.kind == "drop_rows":
            c = header.index("Indicator ID")
            mine = [r for r in rows if r[c] == str(fault.indicator_id)]
            keep = {id(r) for r in mine[: fault.size]}
            rows = [r for r in rows if r[c] != str(fault.indicator_id) or id(r) in keep]
        elif fault.kind == "duplicate_rows":
            c, k = header.index("Indicator ID"), header.index("Category")
            copies = [list(r) for r in rows if r[c] == str(fault.indicator_id) and r[k] == (fault.category or "")]
            rows = rows + copies
        elif fault.kind == "swap_ids":
            c = header.index("Indicator ID")
            a, b = str(fault.indicator_id), str(fault.other_id)
            for r in rows:
                r[c] = b if r[c] == a else a if r[c] == b else r[c]
        elif fault.kind == "drop_area":
            rows = damage.drop_area(header, rows, fault.area_code)
        elif fault.kind == "unlisted_areas":
            rows = damage.unlisted_areas(header, rows, fault.size)
        elif fault.kind == "swap_columns":
            header = damage.swap_columns(header, fault.column, fault.new_name)
        elif fault.kind == "damage":
            _, header, rows = damage.damage_rows(header, rows, fault.seed)
        elif fault.kind == "set_value" and fault.column in header:
            i = header.index(fault.column)
            a, c, k = header.index("Area Code"), header.index("Indicator ID"), header.index("Category")
            for r in rows:
                if (
                    (fault.indicator_id is None or r[c] == str(fault.indicator_id))
                    and (fault.area_code is None or r[a] == fault.area_code)
                    and (fault.category is None or r[k] == fault.category)
                ):
                    r[i] = fault.value
    return header, rows


def _metadata_json(ind: Any, revision: int) -> dict[str, Any]:
    return {
        "IID": ind.id,
        "Descriptive": {"Name": ind.name.strip(), "Definition": f"{ind.name.strip()} (synthetic sample definition)."},
        "Unit": {"Label": ind.unit, "Value": 100 if ind.unit == "%" else 1},
        "ValueType": {"Name": ind.value_type},
        "YearType": {"Name": ind.year_type},
        "ConfidenceIntervalMethod": {"Name": "Synthetic"},
        "DataChange": {"LastUploadedAt": metadata.last_uploaded(ind, revision), "LastDeletedAt": None},
    }


def _areas(
    area_type_id: int, served: tuple[SampleArea, ...], served_icbs: tuple[tuple[str, str], ...]
) -> list[dict[str, Any]]:
    if area_type_id == 15:
        return [{"Code": ENGLAND_CODE, "Name": "England", "Short": "England", "AreaTypeId": 15}]
    if area_type_id == 6:
        return [{"Code": c, "Name": n, "Short": n.removesuffix(" region"), "AreaTypeId": 6} for c, n in REGIONS.items()]
    if area_type_id in data.AREA_TYPE_NAMES:
        return [{"Code": a.code, "Name": a.name, "Short": a.name, "AreaTypeId": area_type_id} for a in served]
    if area_type_id == data.MSOA_AREA_TYPE:
        places = data.neighbourhood_places(None, served)[1]
    elif area_type_id == data.ICB_AREA_TYPE:
        places = data.icb_places(served_icbs)
    else:
        return []
    return [{"Code": p.code, "Name": p.name, "Short": p.name, "AreaTypeId": area_type_id} for p in places]

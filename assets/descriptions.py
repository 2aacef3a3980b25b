"""What each asset is, for the Dagster UI and the data dictionary.

A published table's description is its table spec's (``schemas``), headed by where it
is published (``jsna.layout``); the other assets and files are described here.
"""

from __future__ import annotations

from jsna import layout
from schemas import (
    CHANGES,
    DATA_DICTIONARY,
    FOOTPRINT_VALUES,
    INDICATOR_VALUES,
    INEQUALITIES,
    INEQUALITY_GRADIENTS,
    NEIGHBOURHOOD_VALUES,
    QUARANTINE,
    SUMMARY,
)
from schemas.spec import TableSpec

_AREA = layout.area("<slug>")


def _table(spec: TableSpec, where: str) -> str:
    return f"{where}: the `{spec.name}` table. {spec.description}"


FILES: dict[str, tuple[str, str]] = {
    # asset key: (published path pattern, what it is)
    "out_jsna__area_workbook": (
        _AREA.workbook,
        "Excel workbook: Summary, Data and Dictionary sheets with source and retrieval date on every sheet.",
    ),
    "out_jsna__area_report": (
        _AREA.report,
        "Offline report: a spine chart per domain, trend charts for key indicators and the summary table.",
    ),
    "out_jsna__area_chapter": (
        _AREA.chapter,
        "Draft JSNA chapter (Word): summary, a section per domain with its narrative, charts and table, "
        "inequalities, data and methods, caveats. Word's heading styles and real tables, to edit and finish.",
    ),
    "out_jsna__index": (layout.INDEX, "Every area with download links and the data's freshness."),
    "out_jsna__publication": (
        layout.MANIFEST,
        "The publication. Commits every file the run staged, at once (one journal, atomic renames, the manifest "
        "last), with each file's rows, sha256 and the data it was built from. A run that fails before this step "
        "publishes nothing.",
    ),
}

DESCRIPTIONS: dict[str, str] = {
    "raw_fingertips__indicator_metadata": (
        "Indicator metadata from the API (name, definition, unit, value type, year type, polarity, data source, "
        "frequency) with each indicator's last upload time, as served."
    ),
    "raw_fingertips__indicator_data": (
        "Indicator data rows exactly as served (every cell as text) with request URL and retrieval time. Only "
        "indicators uploaded since the last fetch are requested; the rest come from the raw store."
    ),
    "core_jsna__indicator_values": (
        "Tidy, typed indicator values for the region's areas, the region and England, validated with pandera "
        "before anything is written; rows that break a rule are quarantined with the reason "
        f"(`{layout.quarantine('parquet')}` and `.csv`: "
        f"the `{QUARANTINE.name}` table)."
    ),
    "core_jsna__england_headline": (
        "The latest headline values of every area of the type in England, from the same answer as the area "
        "tables (the data request asks for all of England): what each area's rank and quintile in England are "
        "computed against. Not published."
    ),
    "out_jsna__area_indicator_values": _table(
        INDICATOR_VALUES, f"`{_AREA.table('parquet')}` and `.csv`, one file per area"
    ),
    "out_jsna__region_indicator_values": _table(
        INDICATOR_VALUES, f"`{layout.region_table('parquet')}` and `.csv`, every area of the region in one file"
    ),
    "out_jsna__data_dictionary": _table(DATA_DICTIONARY, f"`{layout.DICTIONARY}`"),
    "out_jsna__changes": _table(CHANGES, f"`{layout.changes('<date>', 'parquet')}` and `.csv`"),
    "out_jsna__area_summary": _table(SUMMARY, f"`{_AREA.summary('parquet')}` and `.csv`"),
    "core_jsna__neighbourhood_values": (
        "Tidy, typed MSOA values of the scope's councils (the neighbourhoods' extract: Fingertips' MSOA data with "
        "the councils as parents), validated before anything is written; rows that break a rule are quarantined "
        f"with the reason (`{layout.quarantine('parquet', table='neighbourhood_values')}` and `.csv`)."
    ),
    "out_jsna__neighbourhood_values": _table(
        NEIGHBOURHOOD_VALUES, f"`{_AREA.neighbourhoods('parquet')}` and `.csv`, one file per council"
    ),
    "core_jsna__inequalities": (
        "Each group the council table serves (sex, age band, deprivation decile or quintile, ethnic group, other "
        "categories) beside the group it is compared with, with the gap, the ratio and the difference by "
        "non-overlapping 95% intervals; computed from the validated council table."
    ),
    "core_jsna__inequality_gradients": (
        "The gap across each served deprivation breakdown (its latest period) and across each council's neighbourhoods "
        "ranked by the catalogue's deprivation measure (latest period): highest and lowest, SII and RII with 95% "
        "intervals, by phe_sii's method."
    ),
    "out_jsna__inequalities": _table(
        INEQUALITIES,
        f"`{_AREA.inequalities('parquet')}` and `.csv` per council (its own groups), and "
        f"`{layout.region_table('parquet', stem='inequalities')}` for the scope (every area, its regions and England)",
    )
    + " "
    + _table(
        INEQUALITY_GRADIENTS,
        f"`{_AREA.gradients('parquet')}` and `.csv` (the council's, then its region's and England's), and "
        f"`{layout.region_table('parquet', stem='inequality_gradients')}`",
    ),
    "core_jsna__icb_values": (
        "Tidy, typed values of every Integrated Care Board (area type 221) for the council catalogue, with England "
        "beside each row, validated like the council table (quarantine: "
        f"`{layout.quarantine('parquet', table='icb_values')}`)."
    ),
    "out_jsna__icb_pack": (
        f"`{layout.icb('<slug>').folder}/`: each ICB's `{INDICATOR_VALUES.name}` table, summary, workbook and "
        "report, compared with England and ranked among ICBs. No council membership is assumed."
    ),
    "out_jsna__footprint_pack": (
        f"`{layout.footprint('<slug>').folder}/`: each custom footprint's (JSNA_FOOTPRINTS) pack. "
        + _table(FOOTPRINT_VALUES, f"`{layout.footprint('<slug>').table('parquet')}` and `.csv`")
    ),
    **{key: f"`{path}`: {what}" for key, (path, what) in FILES.items()},
}


def describe(key: str) -> str:
    return DESCRIPTIONS[key]

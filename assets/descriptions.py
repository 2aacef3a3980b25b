"""What each table (asset) is, described once: for the Dagster UI and the data dictionary."""

from __future__ import annotations

TABLES: dict[str, str] = {
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
        "before anything is written; rows that break a rule are quarantined with the reason."
    ),
    "out_jsna__borough_indicator_values": (
        "`boroughs/<slug>/indicator_values.parquet` and `.csv`: every indicator value for one borough with London "
        "and England beside it (one partition per borough)."
    ),
    "out_jsna__london_indicator_values": (
        "`london/indicator_values.parquet` and `.csv`: every borough, London and England in one table."
    ),
    "out_jsna__data_dictionary": (
        "`data_dictionary.csv`: every table, every column, and every indicator with its metadata and JSNA domain."
    ),
    "out_jsna__changes": (
        "`changes/<date>.csv` and `.parquet`: what changed in a publication - new periods, added rows, revised "
        "values (old -> new) and removed rows."
    ),
    "out_jsna__borough_summary": (
        "`boroughs/<slug>/summary.parquet` and `.csv`: each indicator's latest headline value with 95% CI, count, "
        "London and England, comparisons (computed from the 95% CI where Fingertips gives none, and marked), "
        "recent trend, rank among the boroughs (1 = best) and London quintile."
    ),
    "out_jsna__borough_workbook": (
        "`boroughs/<slug>/jsna_mental_wellbeing_<slug>.xlsx`: Summary, Data and Dictionary sheets with source and "
        "retrieval date on every sheet."
    ),
    "out_jsna__borough_report": (
        "`boroughs/<slug>/report.html`: offline report with a spine chart per domain, trend charts for key "
        "indicators and the summary table."
    ),
    "out_jsna__index": "`index.html`: every borough with download links and the data's freshness.",
    "out_jsna__publication": (
        "`manifest.json`: the publication. Commits every file the run staged, at once (one journal, atomic renames, "
        "the manifest last), with each file's rows, sha256 and the data it was built from. A run that fails "
        "before this step publishes nothing."
    ),
}


def describe(key: str) -> str:
    return TABLES[key]

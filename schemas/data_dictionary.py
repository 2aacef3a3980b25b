"""The ``data_dictionary`` table: every published table, its columns, and every indicator."""

from __future__ import annotations

from schemas.spec import TEXT, Column, TableSpec

SECTIONS = ("table", "column", "file", "indicator")

DATA_DICTIONARY = TableSpec(
    name="data_dictionary",
    description=(
        "What every published table and file holds, every column of every table (type, unit, rules, key), and "
        "every catalogue indicator with its metadata, JSNA domain and whether data came back."
    ),
    columns=(
        Column("section", TEXT, "table, column, file or indicator.", allowed=SECTIONS, heading="Section"),
        Column("table", TEXT, "For a table or a column: the table it describes."),
        Column("name", TEXT, "Table name, column name, file path pattern, or indicator id."),
        Column("label", TEXT, "Short name (for an indicator, the catalogue's label).", heading="Indicator"),
        Column("domain", TEXT, "Indicator: JSNA domain from the catalogue.", heading="JSNA domain"),
        Column("why_it_matters", TEXT, "Indicator: why it is in a mental wellbeing JSNA."),
        Column(
            "indicator_name", TEXT, "Indicator: name as served by Fingertips.", heading="Indicator name (Fingertips)"
        ),
        Column("description", TEXT, "What the table, column, file or indicator is (for an indicator, its definition)."),
        Column("type", TEXT, "Column: storage type (string, int64, Int64 = integer that may be empty, float64 ...)."),
        Column("unit", TEXT, "Column or indicator: unit of its values.", heading="Unit"),
        Column(
            "display_decimals",
            TEXT,
            "Indicator: decimal places the report and workbook show (Fingertips' stated rounding, else 1); the "
            "data files keep every digit.",
            heading="Decimal places shown",
        ),
        Column("nullable", TEXT, "Column: whether it may be empty (yes/no).", allowed=("", "yes", "no")),
        Column("rules", TEXT, "Column: the rules every value keeps (allowed values, pattern, minimum)."),
        Column("primary_key", TEXT, "Table: its key columns; column: 'yes' when part of the key."),
        Column(
            "value_type",
            TEXT,
            "Indicator: value type from the metadata (Proportion, Crude rate ...).",
            heading="Value type",
        ),
        Column("year_type", TEXT, "Indicator: year type from the metadata (Financial, Calendar ...)."),
        Column("polarity", TEXT, "Indicator: polarity from the metadata (RAG - Low is good ...).", heading="Polarity"),
        Column("data_source", TEXT, "Indicator: where Fingertips takes the data from."),
        Column("frequency", TEXT, "Indicator: how often it is updated."),
        Column("last_uploaded_at", TEXT, "Indicator: when the data held was uploaded to Fingertips."),
        Column(
            "source", TEXT, "Indicator: 'fingertips' or 'synthetic sample' (the offline sample API).", heading="Source"
        ),
        Column("has_data", TEXT, "Indicator: whether the API served rows for it (yes/no).", allowed=("", "yes", "no")),
        Column(
            "has_data_by_area_type",
            TEXT,
            "Indicator: whether the API served rows for it at each area type asked for, e.g. "
            "'502 councils: yes; 221 ICBs: no' (3 is MSOA, the neighbourhoods).",
        ),
    ),
    primary_key=("section", "table", "name"),
)

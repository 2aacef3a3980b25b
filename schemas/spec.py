"""Table specs: every published table described once, everything else generated.

A ``TableSpec`` names a table, says what it holds, lists its columns (type, unit,
allowed values, checks, meaning) and its primary key. From it come the pandera schema
that validates the table before it is written, the Arrow schema it is written with (no
inferred types), the rows of ``data_dictionary.csv`` and, in ``assets/``, Dagster's
column schema. They cannot disagree because there is nothing to disagree about.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
from pandera.engines import pandas_engine

TEXT, INT, NULLABLE_INT, FLOAT, TIMESTAMP = "string", "int64", "Int64", "float64", "timestamp[UTC]"

_PANDAS = {
    TEXT: pd.StringDtype(),
    INT: "int64",
    NULLABLE_INT: pd.Int64Dtype(),
    FLOAT: "float64",
    TIMESTAMP: pd.DatetimeTZDtype(unit="us", tz="UTC"),
}


class _Text(pandas_engine.STRING):
    """pandera's text type, answering a column's type check that passes with one True.
    pandera's own answers with one True per row, and then formats those rows (none failing)
    as a table of failure cases, for every text column of every validation: three fifths of
    the time of validating an area's table. A failing check is answered as before."""

    def check(self, pandera_dtype: object, data_container: object = None) -> object:
        found = super().check(pandera_dtype, data_container)
        return True if not isinstance(found, bool) and bool(np.all(found)) else found  # a failure as before


_PANDERA = {**_PANDAS, TEXT: _Text()}
# Arrow fields stay nullable at the Parquet level (the pandera schema enforces which may
# be empty): the files keep the exact layout readers already rely on.
_ARROW = {
    TEXT: pa_arrow.large_string(),
    INT: pa_arrow.int64(),
    NULLABLE_INT: pa_arrow.int64(),
    FLOAT: pa_arrow.float64(),
    TIMESTAMP: pa_arrow.timestamp("us", tz="UTC"),
}


def cast(frame: pd.DataFrame, kinds: dict[str, object]) -> pd.DataFrame:
    """``frame`` with the columns named in ``kinds`` cast to their types (values unchanged),
    every other column as it was. ``DataFrame.astype`` with a mapping copies every column,
    and a copy of a time zone-aware date-time column costs about 2 ms however small the
    table: a refresh paid it some 150 times."""
    if not kinds:
        return frame
    out = frame.copy(deep=False)
    for name, kind in kinds.items():
        out[name] = frame[name].astype(kind).array  # positional: no alignment on the index
    return out


@dataclass(frozen=True)
class Column:
    """One published column and the rules its values keep."""

    name: str
    type: str
    description: str
    nullable: bool = False
    unit: str = ""
    allowed: tuple[str, ...] = ()  # the only values it may hold
    pattern: str = ""  # a regular expression every value matches
    minimum: float | None = None  # values are >= this (missing values aside)
    checks: tuple[pa.Check, ...] = ()  # any further rule
    heading: str = ""  # what a reader calls it, in a workbook's header row (empty: its name)
    excel_format: str = ""  # its Excel number format, where the workbook gives it one

    def pandera_checks(self) -> list[pa.Check]:
        found = list(self.checks)
        if self.allowed:
            found.append(pa.Check.isin(list(self.allowed)))
        if self.pattern:
            found.append(pa.Check.str_matches(self.pattern))
        if self.minimum is not None:
            found.append(pa.Check.ge(self.minimum, ignore_na=True))
        return found

    def rules(self) -> str:
        """The column's rules in words, for the data dictionary."""
        words = []
        if self.allowed:
            words.append("one of: " + " | ".join(v if v else "(empty)" for v in self.allowed))
        if self.pattern:
            words.append(f"matches {self.pattern}")
        if self.minimum is not None:
            words.append(f">= {self.minimum:g}")
        words += [c.error or c.name for c in self.checks if (c.error or c.name)]
        return "; ".join(words)


@dataclass(frozen=True)
class RowRule:
    """A rule across the columns of a row (e.g. lower CI <= value <= upper CI)."""

    name: str
    description: str
    test: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class TableSpec:
    """One published table."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    row_rules: tuple[RowRule, ...] = field(default=())

    def __reduce__(self) -> tuple[object, tuple[str]]:
        """Pickled by name (its checks are closures): a worker process uses its own copy."""
        return published_spec, (self.name,)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: a column is listed twice")
        missing = set(self.primary_key) - set(names)
        if missing:
            raise ValueError(f"{self.name}: primary key column(s) {sorted(missing)} are not columns")

    def column(self, name: str) -> Column:
        """One of the table's columns (for another table that carries it unchanged)."""
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def names_of(self, type_: str) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.type == type_)

    def pandera_schema(self) -> pa.DataFrameSchema:
        """The spec as a pandera schema, built once per process (about 7 ms for the indicator
        values; an England run validates hundreds of area tables against a few specs). A
        schema is not changed by validating with it, so one object serves every caller."""
        return _pandera_schema(self)

    def _build_pandera_schema(self) -> pa.DataFrameSchema:
        columns = {
            c.name: pa.Column(
                _PANDERA[c.type], nullable=c.nullable, checks=c.pandera_checks(), description=c.description
            )
            for c in self.columns
        }
        return pa.DataFrameSchema(
            columns,
            checks=[pa.Check(r.test, name=r.name, error=r.description) for r in self.row_rules],
            unique=list(self.primary_key) or None,
            report_duplicates="all",
            strict=True,
            ordered=True,
            name=self.name,
        )

    def arrow_schema(self) -> pa_arrow.Schema:
        return pa_arrow.schema([pa_arrow.field(c.name, _ARROW[c.type]) for c in self.columns])

    def across(self, column: Column) -> TableSpec:
        """The same table for many units at once (e.g. every area), keyed by ``column`` too:
        validated once, then cut into one file per unit."""
        return TableSpec(
            name=f"{self.name} by {column.name}",
            description=self.description,
            columns=(column, *self.columns),
            primary_key=(column.name, *self.primary_key),
            row_rules=self.row_rules,
        )

    def dtypes(self) -> dict[str, object]:
        """The pandas type of every column."""
        return {c.name: _PANDAS[c.type] for c in self.columns}

    def conform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame in the spec's column order and pandas types (values unchanged). Only the
        columns of another type are cast: a no-op cast of every column cost an area's table
        files a fifth of their time."""
        rows = frame[list(self.column_names)]
        return cast(rows, {name: kind for name, kind in self.dtypes().items() if rows[name].dtype != kind})

    def empty(self) -> pd.DataFrame:
        """No rows, in the spec's columns and types (what a step publishes when it has none)."""
        return self.conform(pd.DataFrame(columns=list(self.column_names)))

    def dictionary_rows(self) -> list[dict[str, str]]:
        """This table and its columns as rows of ``data_dictionary.csv``."""
        rows = [
            {
                "section": "table",
                "table": self.name,
                "name": self.name,
                "label": self.name,
                "description": self.description,
                "primary_key": ", ".join(self.primary_key),
            }
        ]
        rows += [
            {
                "section": "column",
                "table": self.name,
                "name": c.name,
                "label": c.name,
                "description": c.description,
                "type": c.type,
                "unit": c.unit,
                "nullable": "yes" if c.nullable else "no",
                "rules": c.rules(),
                "primary_key": "yes" if c.name in self.primary_key else "",
            }
            for c in self.columns
        ]
        return rows


def sheet_layout(specs: Iterable[TableSpec]) -> tuple[dict[str, str], dict[str, str]]:
    """(heading, Excel number format) by column name, from the specs' columns: a column
    carried by several tables is shown the same way in each (refused otherwise)."""
    headings: dict[str, str] = {}
    formats: dict[str, str] = {}
    for spec in specs:
        for column in spec.columns:
            for found, value in ((headings, column.heading), (formats, column.excel_format)):
                if value and found.setdefault(column.name, value) != value:
                    raise ValueError(f"{column.name}: shown two ways ({found[column.name]!r}, {value!r})")
    return headings, formats


def published_spec(name: str) -> TableSpec:
    """The published table's spec of this name (``schemas.PUBLISHED``)."""
    from schemas import PUBLISHED  # the specs are defined in the modules that import this one

    if name not in PUBLISHED:
        raise KeyError(f"no published table named {name!r}")
    return PUBLISHED[name]


@functools.cache
def _pandera_schema(spec: TableSpec) -> pa.DataFrameSchema:
    return spec._build_pandera_schema()  # noqa: SLF001 - the cache of the spec's own method

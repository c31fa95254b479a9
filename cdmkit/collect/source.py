"""Collecting one loaded source, step by step.

A source's rows go through the same steps in the same order (:func:`_collect_one`):

1. **read**: the loaded frame, its source row numbers, the rows the loader could not read;
2. **map** its columns onto the canonical fields of its kind (given or inferred), and
   catalogue them;
3. **dedupe**: exact duplicates of an earlier row are rejected (on the source values);
4. **standardise** every mapped field with its cleaners, keeping originals and flags;
5. **derive** fields the source lacks (first/last name from a full name, amount, ...);
6. **row rules**: a missing or unreadable required field, no identifying field, a record
   ID already used, a failed row filter reject the row (the first reason wins);
7. **account**: the clean canonical table, the rejects (values masked), the per-source
   counts (``rows_in == rows_clean + rows_rejected``), the catalogue and completeness.

:func:`cdmkit.collect.collect_frame` and :func:`cdmkit.collect.collect_sources` run
these steps through :class:`_OneSource`, which carries what they say about the source.

Examples
--------
>>> import pandas as pd
>>> job = _OneSource(pd.DataFrame({"id": ["1", "1"], "mail": ["A@x.org", "A@x.org"]}),
...                  "customers", source="crm")
>>> out = _collect_one(job)
>>> out.stats["rows_in"], out.stats["rows_clean"], out.rejects["reason"].tolist()
(2, 1, ['exact duplicate of row 1'])
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config import CollectionConfig, SourceFormats
from ..errors import ConfigError, InputError
from ..model import fields_of
from ..privacy.masking import MASKERS, mask_value
from .canonical import (
    _FILLS,
    REJECT_COLUMNS,
    WARNING_COLUMNS,
    _canonical_table,
    _coerce,
    cleaners_for,
)
from .catalog import build_catalog
from .cleaners import DateCleaner, make_cleaner, split_full_name, to_text
from .mapping import attributes_json, check_mapping, infer_mapping
from .textnorm import text_key


def _same_row_codes(raw: pd.DataFrame) -> np.ndarray:
    """Codes of the distinct rows of ``raw`` (equal values in every column; missing = missing).

    Column by column with ``pd.factorize`` (None, NaN and NaT are all missing) and the
    codes combined exactly: the groups pandas' row hashes give, without hashing whole
    rows and without hash collisions.
    """
    combined = np.zeros(len(raw), dtype=np.int64)
    for c in raw.columns:
        cc, uniq = pd.factorize(raw[c], use_na_sentinel=True)
        cc = np.where(cc < 0, len(uniq), cc).astype(np.int64)  # missing: a value of its own
        combined = pd.factorize(combined * (len(uniq) + 1) + cc)[0].astype(np.int64)
    return combined


def _filled(s: pd.Series) -> pd.Series:
    # The one definition of missing ("", "nan", "NULL"... count as missing).
    from ..missing import is_present

    return is_present(s)



@dataclass
class _OneSource:
    """One loaded source and how to collect it (what ``collect_frame`` or a source config says).

    ``raw`` is the loaded frame; ``source_rows``, ``bad_rows``, ``warnings`` and ``file_info``
    are what its loader reported (see :func:`cdmkit.collect.collect_frame` for every field).
    """

    raw: pd.DataFrame
    kind: str
    source: str
    mapping: dict | None = None
    formats: Any = None
    cleaners: dict | None = None
    filters: list | None = None
    collection: CollectionConfig | None = None
    customer_source: str | None = None
    owner: str | None = None
    definitions: dict | None = None
    pii: dict | None = None
    drop_duplicates: bool | None = None
    file: Any = None
    source_rows: Any = None
    bad_rows: list | None = None
    reference_date: str | None = None
    progress: bool = False
    warnings: list | None = None
    file_info: dict | None = None
    #: raw column -> is_present mask, each raw column judged once (catalogue, completeness,
    #: type check and row rules all ask; on a million rows each asking costs ~0.1 s)
    present_cache: dict = field(default_factory=dict, repr=False)

    def present(self, col: str) -> pd.Series:
        """Which values of the raw column ``col`` are there (:func:`cdmkit.missing.is_present`)."""
        if col not in self.present_cache:
            self.present_cache[col] = _filled(self.raw[col])
        return self.present_cache[col]


@dataclass
class _SourceOut:
    clean: pd.DataFrame
    rejects: pd.DataFrame
    stats: dict
    catalog: pd.DataFrame
    dates: list
    completeness: pd.DataFrame
    mapping: dict
    warnings: pd.DataFrame


def _mask_for(field_name: str | None, kind: str):
    if field_name is None:
        return lambda v: v if v is None else str(v)[:60]
    f = fields_of(kind).get(field_name)
    if field_name in MASKERS:
        return MASKERS[field_name]
    if f is not None and f.pii in ("direct", "quasi", "sensitive"):
        return mask_value
    return lambda v: v if v is None else str(v)[:60]


class _Rejects:
    """Per-row first reject reason, column and field."""

    def __init__(self, n):
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self.field = np.full(n, None, dtype=object)
        self.kind = np.full(n, None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        return pd.isna(self.reason)

    def add(self, mask, reason, column=None, field_name=None, kind="reject"):
        mask = np.asarray(mask, dtype=bool) & self.ok
        if not mask.any():
            return 0
        if isinstance(reason, (pd.Series, np.ndarray, list)):
            self.reason[mask] = np.asarray(reason, dtype=object)[mask]
        else:
            self.reason[mask] = reason
        self.column[mask] = column
        self.field[mask] = field_name
        self.kind[mask] = kind
        return int(mask.sum())


@dataclass
class _Cleaned:
    """The standardised fields of one source and what cleaning them produced."""

    out: pd.DataFrame  # canonical field -> cleaned values
    extras: dict[str, pd.Series] = field(default_factory=dict)  # <field>_<output> columns
    fills: dict[str, pd.Series] = field(default_factory=dict)  # outputs filling fields
    raw_cols: dict[str, pd.Series] = field(default_factory=dict)  # <field>_raw originals
    dates: list = field(default_factory=list)  # date cleaners' reports
    before: dict = field(default_factory=dict)  # share filled per field, before cleaning
    keep_raw: bool = False


def _collect_one(job: _OneSource) -> _SourceOut:
    """Collect one loaded source: map, dedupe, standardise, derive, apply row rules, account."""
    job = _normalised(job)
    mapping = _map_columns(job)
    catalog = build_catalog(job.raw, mapping, source=job.source, kind=job.kind, owner=job.owner,
                            definitions=job.definitions, pii=job.pii, present=job.present)
    rej = _Rejects(len(job.raw))
    n_dup = _reject_duplicates(job, rej)
    cleaned = _clean_fields(job, mapping)
    _derive_fields(job, cleaned)
    n_filtered = _apply_row_rules(job, mapping, cleaned.out, rej)
    return _account(job, mapping, catalog, cleaned, rej, n_dup, n_filtered)


def _normalised(job: _OneSource) -> _OneSource:
    """The job with its defaults filled in: config, formats, filters, columns, row numbers."""
    from ..config.sources import RowFilter

    formats = job.formats
    if isinstance(formats, SourceFormats):
        formats = formats.model_dump()
    formats = dict(formats or {})
    if not formats.get("phone_region") and formats.get("country"):
        formats["phone_region"] = formats["country"]
    filters = [f if isinstance(f, RowFilter) else RowFilter(**f) for f in (job.filters or [])]
    raw = job.raw.reset_index(drop=True)
    raw.columns = [str(c) for c in raw.columns]
    n = len(raw)
    rows = np.asarray(job.source_rows if job.source_rows is not None else np.arange(1, n + 1),
                      dtype=np.int64)
    return dataclasses.replace(job, raw=raw, formats=formats, filters=filters,
                               collection=job.collection or CollectionConfig(),
                               file=job.file or job.source, source_rows=rows,
                               present_cache={})


def _map_columns(job: _OneSource) -> dict:
    """``{canonical field: source column}``: the given mapping checked, or one inferred."""
    raw, kind, file = job.raw, job.kind, job.file
    if job.mapping:
        mapping = check_mapping(job.mapping, raw.columns, kind, file)
    else:
        mapping = infer_mapping(raw.columns, kind)
    for name, f in fields_of(kind).items():
        if f.required and name != "record_id" and name not in mapping:
            raise InputError(file, f"no column for required field {name!r} of {kind}; "
                             f"columns are: {', '.join(raw.columns)} (add it to the mapping)")
    if not mapping:
        raise InputError(file, f"no column could be mapped to a {kind} field; columns are: "
                         f"{', '.join(raw.columns)} (give a mapping)")
    return mapping


def _reject_duplicates(job: _OneSource, rej: _Rejects) -> int:
    """Reject exact duplicates of an earlier row (on the source values, before any cleaning)."""
    raw, rows, n = job.raw, job.source_rows, len(job.raw)
    dedupe = job.collection.drop_exact_duplicates if job.drop_duplicates is None \
        else job.drop_duplicates
    if not (dedupe and n > 1):
        return 0
    # Rows equal in the text of every column (missing equals missing), found by
    # factorising column by column rather than hashing whole rows.
    codes = _same_row_codes(raw)
    _, first_of_code = np.unique(codes, return_index=True)
    first = first_of_code[codes]
    dup = first != np.arange(n)
    if not dup.any():
        return 0
    reasons = np.full(n, None, dtype=object)
    reasons[dup] = ["exact duplicate of row " + str(r) for r in rows[first[dup]]]
    return rej.add(dup, reasons, kind="duplicate")


def _clean_fields(job: _OneSource, mapping: dict) -> _Cleaned:
    """Run the cleaners of every mapped field (country first: others may use it)."""
    from tqdm.auto import tqdm

    raw, kind, collection, n = job.raw, job.kind, job.collection, len(job.raw)
    fields = fields_of(kind)
    ref = job.reference_date or collection.reference_date
    defaults = {"reference_date": ref, "placeholders": tuple(collection.placeholder_dates)}
    keep_raw = collection.keep_raw == "all" or (collection.keep_raw == "customers"
                                                and kind == "customers")
    c = _Cleaned(pd.DataFrame(index=raw.index), keep_raw=keep_raw)
    order = sorted(mapping, key=lambda f: (f != "country", list(fields).index(f)))
    for name in tqdm(order, disable=not job.progress, desc=f"cleaning {job.source}",
                     leave=False):
        col = mapping[name]
        series = raw[col]
        c.before[name] = float(job.present(col).mean()) if n else 0.0
        values = _run_cleaners(job, name, col, series, c, defaults)
        c.out[name] = _coerce(values, fields[name].dtype)
        if keep_raw and name not in ("record_id",):
            c.raw_cols[f"{name}_raw"] = to_text(series)
        elif name not in ("record_id",):
            _keep_blanked(name, series, c.out[name], c.raw_cols, c.extras)
        _check_mixed(series, c.out[name], c.extras, name, fields[name].dtype, col, job.file,
                     job.source_rows, collection.max_invalid_share, job.present(col))
    return c


def _run_cleaners(job: _OneSource, name: str, col: str, series: pd.Series, c: _Cleaned,
                  defaults: dict) -> pd.Series:
    """One field's values through its cleaners in turn; their extra outputs into ``c``."""
    values = series
    specs = cleaners_for(name, job.kind, job.cleaners, job.collection)
    for spec in specs:
        try:
            cl = make_cleaner(spec, formats=job.formats, defaults=defaults)
        except ValueError as exc:
            raise ConfigError(job.file, f"cleaners.{name}", str(exc)) from None
        X = values
        if cl.uses:
            ctx = {u: c.out[u] for u in cl.uses if u in c.out}
            if ctx:
                X = pd.concat([values.rename(name), *[v.rename(k) for k, v in ctx.items()]],
                              axis=1)
        cl.fit(X)
        values, extras = cl.transform_full(X)
        for ename, evals in extras.items():
            if ename in _FILLS:
                c.fills[ename] = evals if ename not in c.fills else c.fills[ename].fillna(evals)
            else:
                c.extras[f"{name}_{ename}"] = evals
        if isinstance(cl, DateCleaner):
            c.dates.append({"source": job.source, "field": name, "column": col, **cl.report_})
    return values


def _derive_fields(job: _OneSource, c: _Cleaned) -> None:
    """Fields the source lacks but can be derived: names, title/suffix, country, amount, ..."""
    kind, collection, formats, out = job.kind, job.collection, job.formats, c.out
    index = job.raw.index
    if kind == "customers":
        if collection.split_full_name and "full_name" in out and "first_name" not in out \
                and "last_name" not in out:
            first, last = split_full_name(out["full_name"])
            out["first_name"], out["last_name"] = first, last
            for nm in ("first_name", "last_name"):
                c.extras[f"{nm}_key"] = _keys(out[nm])
        for nm in ("title", "suffix"):
            if nm not in out and nm in c.fills:
                out[nm] = c.fills[nm]
        if "country" not in out and formats.get("country"):
            # A source without a country column: its addresses are in the default country.
            out["country"] = pd.Series(str(formats["country"]).upper(), index=index,
                                       dtype=object)
    if kind == "transactions" and "amount" not in out and "quantity" in out \
            and "unit_price" in out:
        out["amount"] = (out["quantity"] * out["unit_price"]).round(6)
    if kind != "customers":
        customer_source = job.customer_source
        if "customer_source" not in out:
            out["customer_source"] = pd.Series(customer_source, index=index, dtype=object)
        else:
            out["customer_source"] = out["customer_source"].fillna(customer_source) \
                if customer_source else out["customer_source"]


def _apply_row_rules(job: _OneSource, mapping: dict, out: pd.DataFrame, rej: _Rejects) -> int:
    """Reject rows by the row rules, in order (the first reason wins); the rows filtered."""
    raw, kind, collection, file = job.raw, job.kind, job.collection, job.file
    rows, n = job.source_rows, len(job.raw)
    for name, f in fields_of(kind).items():
        if not f.required or name not in out:
            continue
        col = mapping.get(name)
        present = job.present(col).to_numpy() if col else np.ones(n, bool)
        missing = out[name].isna().to_numpy()
        rej.add(missing & ~present, f"missing {name}", col, name)
        rej.add(missing & present, f"unreadable {name}", col, name)
    if "record_id" not in mapping:
        out["record_id"] = pd.Series(rows.astype(str), index=raw.index, dtype=object)
    if kind == "customers" and collection.identity_fields:
        ident = [f for f in collection.identity_fields if f in out]
        if ident:
            any_filled = np.zeros(n, bool)
            for f in ident:
                any_filled |= out[f].notna().to_numpy()
            rej.add(~any_filled, f"no identifying field ({', '.join(ident)})")
    if collection.reject_duplicate_ids:
        ids = out["record_id"].where(rej.ok)
        dup = ids.notna() & ids.duplicated(keep="first")
        if dup.any():
            firsts = pd.Series(rows, index=raw.index).groupby(ids).transform("min")
            reasons = np.full(n, None, dtype=object)
            d = dup.to_numpy()
            reasons[d] = [f"record_id {i!r} already used by row {r}"
                          for i, r in zip(ids[d], firsts[d].astype(int))]
            rej.add(d, reasons, mapping.get("record_id"), "record_id")
    n_filtered = 0
    for flt in job.filters:
        if flt.field not in out:
            raise ConfigError(file, "filters", f"filter on {flt.field!r}, which this {kind} "
                              f"source does not have (fields: {', '.join(out.columns)})")
        keep = _filter_mask(out[flt.field], flt, file)
        n_filtered += rej.add(~keep, flt.reason or f"filter: {flt.describe()}",
                              mapping.get(flt.field), flt.field, kind="filter")
    return n_filtered


def _account(job: _OneSource, mapping: dict, catalog: pd.DataFrame, c: _Cleaned,
             rej: _Rejects, n_dup: int, n_filtered: int) -> _SourceOut:
    """The clean table, rejects, counts, catalogue and completeness of the source."""
    raw, kind, source, rows = job.raw, job.kind, job.source, job.source_rows
    attrs = attributes_json(raw[[col for col in raw.columns if col not in set(mapping.values())]])
    table = _canonical_table(c.out, c.extras, c.raw_cols, attrs, kind, source, rows, c.keep_raw)
    ok = rej.ok
    clean = table if ok.all() else table[ok]
    clean.index = pd.RangeIndex(len(clean))  # in place: no copy of a large table
    bad = ~ok
    rejects = _rejects_table(job, mapping, rej)
    bad_rows = job.bad_rows
    rows_in = len(raw) + len(bad_rows or [])
    warn = pd.DataFrame([(source, r, col, why) for r, col, why in (job.warnings or [])],
                        columns=WARNING_COLUMNS)
    info = job.file_info or {}
    conf = info.get("encoding_confidence")
    stats = {"source": source, "kind": kind, "rows_in": rows_in, "rows_clean": int(ok.sum()),
             "rows_rejected": int(bad.sum()) + len(bad_rows or []),
             "duplicates_removed": n_dup, "rows_filtered": n_filtered,
             "rows_warned": int(warn["row"].dropna().nunique()),
             "encoding": info.get("encoding"),
             "encoding_confidence": float(conf) if conf is not None else None}
    catalog = catalog.assign(encoding=info.get("encoding"), encoding_confidence=stats[
        "encoding_confidence"]) if len(catalog) else catalog
    comp = []
    for name in fields_of(kind):
        if name in ("customer_source",):
            continue
        after = float(_filled(clean[name]).mean()) if len(clean) and name in clean else 0.0
        comp.append({"source": source, "kind": kind, "field": name,
                     "before": round(c.before.get(name, 0.0), 4), "after": round(after, 4)})
    return _SourceOut(clean, rejects, stats, catalog, c.dates, pd.DataFrame(comp), mapping, warn)


def _rejects_table(job: _OneSource, mapping: dict, rej: _Rejects) -> pd.DataFrame:
    """One row per rejected row (values masked), with the rows the loader could not read."""
    raw, kind, source, rows, n = job.raw, job.kind, job.source, job.source_rows, len(job.raw)
    bad = ~rej.ok
    values = np.full(n, None, dtype=object)
    for name_col in set(col for col in rej.column[bad] if col is not None):
        sel = bad & (rej.column == name_col)
        fld = next((f for f, col in mapping.items() if col == name_col), None)
        masker = _mask_for(fld, kind)
        values[sel] = [None if v is None else masker(v) for v in to_text(raw[name_col][sel])]
    rejects = pd.DataFrame({"source": source, "row": rows[bad], "column": rej.column[bad],
                            "field": rej.field[bad], "reason": rej.reason[bad],
                            "value": values[bad]}, columns=REJECT_COLUMNS)
    if job.bad_rows:
        bad_rows = [tuple(b) + (None,) * (3 - len(b)) for b in job.bad_rows]
        extra = pd.DataFrame({"source": source, "row": [b[0] for b in bad_rows],
                              "column": [b[2] for b in bad_rows],
                              "field": [next((f for f, col in mapping.items() if col == b[2]),
                                             None) for b in bad_rows],
                              "reason": [b[1] for b in bad_rows], "value": None})
        rejects = pd.concat([rejects, extra], ignore_index=True).sort_values(
            "row", kind="stable").reset_index(drop=True)
    return rejects


def _keys(s: pd.Series) -> pd.Series:
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    keys = np.array([text_key(u) or None for u in uniq] + [None], dtype=object)
    return pd.Series(keys[codes], index=s.index, dtype=object)


def _check_mixed(series, cleaned, extras, name, dtype, col, file, rows, limit, present):
    """Typed fields whose values mostly fail to parse: wrong column or mixed types."""
    if dtype not in ("float", "int", "date", "datetime", "bool"):
        return
    n_present = int(present.sum())
    if n_present < 5:
        return
    failed = present & cleaned.isna()
    share = failed.sum() / n_present
    if share > limit:
        first = int(np.flatnonzero(failed.to_numpy())[0])
        example = to_text(series.iloc[[first]]).iloc[0]
        what = {"float": "numbers", "int": "numbers", "date": "dates",
                "datetime": "dates or times", "bool": "yes/no values"}[dtype]
        raise InputError(file, f"{share:.0%} of the filled values of {name} are not {what} "
                         f"(mixed types or a wrong mapping?), e.g. {example!r}",
                         row=int(rows[first]), column=col)


def _filter_mask(s: pd.Series, flt, file) -> np.ndarray:
    op, value = flt.op, flt.value
    if op == "notnull":
        return s.notna().to_numpy()
    if op == "isnull":
        return s.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(s):
        conv = (lambda v: pd.Timestamp(v))
    elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        conv = float
    else:
        conv = (lambda v: v)
    try:
        if op in ("in", "not_in"):
            vals = [conv(v) for v in (value if isinstance(value, list) else [value])]
            m = s.isin(vals)
            m = m if op == "in" else ~m & s.notna()
            return m.fillna(False).to_numpy(dtype=bool)
        v = conv(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(file, "filters", f"{flt.describe()}: cannot compare {flt.field} "
                          f"with {value!r} ({exc})") from None
    import operator

    fn = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
          "==": operator.eq, "!=": operator.ne}[op]
    m = fn(s, v)
    return (m.fillna(False) & s.notna()).to_numpy(dtype=bool)


def _keep_blanked(name, series, cleaned, raw_cols, extras_cols):
    """Originals of values a cleaner blanked, kept with a flag even when ``keep_raw`` is off.

    "Channel Islands" is no ISO country: the cleaned value is empty, so the original goes
    to ``<field>_raw`` (only on those rows) and the row is flagged (``<field>_valid`` when
    the cleaner has it, else ``<field>_flag``): nothing is blanked without a trace.
    """
    empty = cleaned.isna()
    if not empty.any():  # the usual case: nothing blanked, nothing to scan
        return
    lost = pd.Series(False, index=series.index)
    lost[empty] = _filled(series[empty]).to_numpy()
    if not lost.any():
        return
    raw_cols[f"{name}_raw"] = to_text(series).where(lost)
    if f"{name}_valid" not in extras_cols and f"{name}_flag" not in extras_cols:
        extras_cols[f"{name}_flag"] = pd.Series(np.where(lost, "not recognised: emptied, "
                                                         f"original in {name}_raw", None),
                                                index=series.index, dtype=object)


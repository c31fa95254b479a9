"""The collection pipeline: load, map, clean, filter and account for every row.

For each source: load it with its loader, map its columns onto the canonical
fields of its kind (explicit or inferred), run the cleaners of each field,
then decide per row whether it is kept or rejected. A row is rejected for the
first of these reasons that applies: ragged in the file (with
``on_bad_rows: reject``), an exact duplicate of an earlier row, a missing or
unreadable required field, no identifying field (customers), a record ID
already used, or a failed row filter. Every input row therefore ends up in
exactly one place, and ``rows_in == rows_clean + rows_rejected`` per source
(``duplicates_removed`` and ``rows_filtered`` say how many of the rejected rows
were duplicates and filtered rows).

Problems with single values (an invalid e-mail, an unreadable birth date) do
not reject the row: the value is flagged (``email_valid``,
``birth_date_flag``) and the original kept as ``<field>_raw``.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"id": ["1", "2", "2", "3"], "First Name": ["ANN", "Bob", "Bob", None],
...                     "E-mail": ["Ann@X.org", "bob@", "bob@", None]})
>>> res = collect_frame(raw, "customers", source="crm")
>>> res.tables["customers"][["record_id", "first_name", "email", "email_valid"]]
  record_id first_name      email  email_valid
0         1        Ann  ann@x.org         True
1         2        Bob       bob@        False
>>> res.rejects[["source", "row", "reason"]].values.tolist()
[['crm', 3, 'exact duplicate of row 2'], ['crm', 4, 'no identifying field (first_name, email)']]
>>> res.source_stats[["rows_in", "rows_clean", "rows_rejected", "duplicates_removed"]]\\
...     .values.tolist()
[[4, 2, 2, 1]]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import ClientConfig, CollectionConfig, SourceConfig, SourceFormats
from ..errors import ConfigError, InputError
from ..model import KINDS, fields_of
from ..privacy.masking import MASKERS, mask_value
from ..registry import cleaners as cleaner_registry
from ..registry import loaders as loader_registry
from .catalog import CATALOG_COLUMNS, build_catalog
from .cleaners import DateCleaner, make_cleaner, split_full_name, to_text
from .mapping import attributes_json, check_mapping, infer_mapping
from .textnorm import text_key

__all__ = ["DEFAULT_CLEANERS", "REJECT_COLUMNS", "STATS_COLUMNS", "WARNING_COLUMNS",
           "CollectionResult",
           "CollectionReport", "collect_frame", "collect_source", "collect_sources",
           "collect_file", "cleaners_for"]

#: Built-in cleaners per canonical field (fields not listed get one by their type).
DEFAULT_CLEANERS: dict[str, list] = {
    "record_id": ["id"], "customer_ref": ["id"], "customer_source": ["text"],
    "order_id": ["id"], "product_id": ["id"], "session_id": ["id"], "national_id": ["id"],
    "title": ["text"], "suffix": ["text"],
    "first_name": ["name"], "middle_name": ["name"], "last_name": ["name"],
    "full_name": ["name"],
    "email": ["email"], "phone": ["phone"], "birth_date": ["birth_date"],
    "gender": ["gender"], "street": ["address"], "address_line2": ["address"],
    "city": ["place"], "region": ["place"], "postcode": ["postcode"], "country": ["country"],
    "language": [{"text": {"case": "lower"}}], "currency": ["upper"],
    "consent_email": ["consent"], "consent_sms": ["consent"], "consent_profiling": ["consent"],
    "resolved": ["boolean"], "channel": ["label"], "status": ["label"],
    "event_type": ["label"], "interaction_type": ["label"],
}
_BY_TYPE = {"string": ["text"], "date": ["date"], "datetime": ["datetime"],
            "float": ["number"], "int": ["number"], "bool": ["boolean"]}

REJECT_COLUMNS = ["source", "row", "column", "field", "reason", "value"]
WARNING_COLUMNS = ["source", "row", "column", "reason"]
STATS_COLUMNS = ["source", "kind", "rows_in", "rows_clean", "rows_rejected",
                 "duplicates_removed", "rows_filtered", "rows_warned", "encoding",
                 "encoding_confidence"]

# Extra outputs that fill canonical fields instead of becoming <field>_<output> columns.
_FILLS = {"title", "suffix"}


def cleaners_for(field_name: str, kind: str, source_cleaners: dict | None = None,
                 collection: CollectionConfig | None = None) -> list:
    """Cleaner specs of a field: the source's, else the collection default, else built-in.

    Examples
    --------
    >>> cleaners_for("email", "customers")
    ['email']
    >>> cleaners_for("quantity", "transactions")
    ['number']
    >>> cleaners_for("email", "customers", {"email": ["text"]})
    ['text']
    """
    if source_cleaners and field_name in source_cleaners:
        return list(source_cleaners[field_name])
    if collection is not None and field_name in collection.default_cleaners:
        return list(collection.default_cleaners[field_name])
    if field_name in DEFAULT_CLEANERS:
        return list(DEFAULT_CLEANERS[field_name])
    return list(_BY_TYPE[fields_of(kind)[field_name].dtype])


def _outputs_of(specs) -> list[str]:
    outs: list[str] = []
    for spec in specs:
        name = spec if isinstance(spec, str) else next(iter(spec))
        for o in getattr(cleaner_registry.get(name), "outputs", ()):
            if o not in outs and o not in _FILLS:
                outs.append(o)
    return outs


def _empty_like(dtype: str, index) -> pd.Series:
    if dtype in ("date", "datetime"):
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if dtype in ("float", "int"):
        return pd.Series(np.nan, index=index, dtype="float64")
    if dtype == "bool":
        return pd.Series(pd.NA, index=index, dtype="boolean")
    return pd.Series(None, index=index, dtype=object)


def _coerce(s: pd.Series, dtype: str) -> pd.Series:
    if dtype in ("date", "datetime"):
        if not pd.api.types.is_datetime64_any_dtype(s):
            s = pd.to_datetime(s, errors="coerce")
        return s.astype("datetime64[ns]")
    if dtype in ("float", "int"):
        return pd.to_numeric(s, errors="coerce").astype("float64")
    if dtype == "bool":
        return s.astype("boolean")
    return s.astype(object).where(s.notna(), None)


def _filled(s: pd.Series) -> pd.Series:
    m = s.notna()
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        m &= pd.Series([not (isinstance(v, str) and not v.strip()) for v in s.to_numpy()],
                       index=s.index)
    return m


@dataclass
class CollectionReport:
    """What happened during collection, for the report.

    Attributes
    ----------
    dates : DataFrame
        One row per (source, date field): order used, how it was decided, counts
        of ambiguous, unparseable, placeholder, future and implausible values.
    completeness : DataFrame
        ``source, kind, field, before, after``: share of filled values of each
        canonical field in the source (all rows) and in the clean table.
    mappings : dict
        Source -> ``{canonical field: source column}`` used.
    files : dict
        Source -> ``{"encoding", "delimiter", "loader"}`` as detected.
    """

    dates: pd.DataFrame = field(default_factory=pd.DataFrame)
    completeness: pd.DataFrame = field(default_factory=pd.DataFrame)
    mappings: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)


@dataclass
class CollectionResult:
    """Output of the collection stage.

    Attributes
    ----------
    tables : dict of str to DataFrame
        Kind -> canonical table over all sources of that kind (only kinds with
        at least one source).
    rejects : DataFrame
        One row per rejected input row: ``source, row, column, field, reason, value``
        (``value`` masked).
    source_stats : DataFrame
        ``source, kind, rows_in, rows_clean, rows_rejected, duplicates_removed,
        rows_filtered``.
    catalog : DataFrame
        The data catalogue (see :mod:`cdmkit.collect.catalog`), with the
        ``encoding`` and ``encoding_confidence`` of each source's file.
    report : CollectionReport
    warnings : DataFrame
        Values kept but flagged while reading: ``source, row, column, reason``
        (a line decoded in a fallback encoding, bad bytes replaced, an uncertain
        encoding, a nameless column, a header without rows). ``row`` is empty for
        warnings about the whole file.
    """

    tables: dict
    rejects: pd.DataFrame
    source_stats: pd.DataFrame
    catalog: pd.DataFrame
    report: CollectionReport
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=WARNING_COLUMNS))

    def figures(self) -> dict:
        """Key figures: totals, invalid e-mails/phones, ambiguous dates.

        Examples
        --------
        >>> r = collect_frame(pd.DataFrame({"email": ["a@b.org", "x"]}), "customers",
        ...                   source="s")
        >>> r.figures()["n_invalid_emails"]
        1
        """
        st = self.source_stats
        cust = self.tables.get("customers")

        def count_false(col):
            if cust is None or col not in cust:
                return 0
            return int((cust[col] == False).sum())  # noqa: E712 - nullable boolean

        dates = self.report.dates
        return {
            "n_sources": int(len(st)),
            "rows_in": int(st["rows_in"].sum()) if len(st) else 0,
            "rows_clean": int(st["rows_clean"].sum()) if len(st) else 0,
            "rows_rejected": int(st["rows_rejected"].sum()) if len(st) else 0,
            "duplicates_removed": int(st["duplicates_removed"].sum()) if len(st) else 0,
            "rows_filtered": int(st["rows_filtered"].sum()) if len(st) else 0,
            "n_invalid_emails": count_false("email_valid"),
            "n_invalid_phones": count_false("phone_valid"),
            "n_ambiguous_dates": int(dates["n_ambiguous"].sum()) if len(dates) else 0,
            "n_unparseable_dates": int(dates["n_unparseable"].sum()) if len(dates) else 0,
            "n_placeholder_dates": int(dates["n_placeholder"].sum()) if len(dates) else 0,
            "rows_per_kind": {k: int(len(v)) for k, v in self.tables.items()},
        }

    def table(self) -> pd.DataFrame:
        """The single canonical table when only one kind was collected (e.g. one file).

        Examples
        --------
        >>> collect_frame(pd.DataFrame({"email": ["a@b.org"]}), "customers",
        ...               source="s").table().shape[0]
        1
        """
        if len(self.tables) != 1:
            raise ValueError(f"{len(self.tables)} tables were collected; use .tables[kind]")
        return next(iter(self.tables.values()))

    def write(self, out_dir) -> dict:
        """Write ``clean.parquet`` (or ``<kind>.parquet`` per kind), ``rejects.csv``,
        ``warnings.csv``, ``catalog.csv`` and ``source_stats.csv`` to ``out_dir``; return
        the paths.

        Examples
        --------
        >>> import tempfile
        >>> r = collect_frame(pd.DataFrame({"email": ["a@b.org"]}), "customers", source="s")
        >>> sorted(r.write(tempfile.mkdtemp()))
        ['catalog', 'clean', 'rejects', 'source_stats', 'warnings']
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        if len(self.tables) == 1:
            paths["clean"] = out / "clean.parquet"
            self.table().to_parquet(paths["clean"], index=False)
        else:
            for kind, df in self.tables.items():
                paths[kind] = out / f"{kind}.parquet"
                df.to_parquet(paths[kind], index=False)
        for name, df in (("rejects", self.rejects), ("warnings", self.warnings),
                         ("catalog", self.catalog), ("source_stats", self.source_stats)):
            paths[name] = out / f"{name}.csv"
            df.to_csv(paths[name], index=False)
        return paths


# -- one source --------------------------------------------------------------------------
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


def collect_frame(raw: pd.DataFrame, kind: str, *, source: str = "source",
                  mapping: dict | None = None, formats: SourceFormats | dict | None = None,
                  cleaners: dict | None = None, filters: list | None = None,
                  collection: CollectionConfig | None = None,
                  customer_source: str | None = None, owner: str | None = None,
                  definitions: dict | None = None, pii: dict | None = None,
                  drop_duplicates: bool | None = None, file=None, source_rows=None,
                  bad_rows=None, reference_date: str | None = None,
                  progress: bool = False, warnings=None) -> CollectionResult:
    """Collect one already loaded source (a DataFrame of its own columns).

    Parameters
    ----------
    raw : DataFrame
        The source's rows in source order.
    kind : str
        ``customers``, ``transactions``, ``events`` or ``interactions``.
    source : str
        Source name.
    mapping : dict, optional
        ``{canonical field: source column}``; inferred from column names if absent.
    formats : SourceFormats or dict, optional
        Date formats, phone region, default country, decimal separator, ...
    cleaners : dict, optional
        Per-field cleaner overrides.
    filters : list of RowFilter or dict, optional
        Row filters applied after cleaning.
    collection : CollectionConfig, optional
        Stage options.
    customer_source : str, optional
        For activity kinds: the customers source ``customer_ref`` points into.
    owner, definitions, pii : optional
        Catalogue information.
    drop_duplicates : bool, optional
        Override ``collection.drop_exact_duplicates``.
    file : str, optional
        Name used in error messages (default: ``source``).
    source_rows : array of int, optional
        Source row numbers of ``raw``'s rows (default 1..n).
    bad_rows : list of (row, reason) or (row, reason, column), optional
        Rows the loader could not read (rejected, counted in ``rows_in``).
    warnings : list of (row, column, reason), optional
        Values the loader kept but flagged (see :attr:`CollectionResult.warnings`).
    reference_date : str, optional
        "Today" for date checks.

    Returns
    -------
    CollectionResult

    Examples
    --------
    >>> raw = pd.DataFrame({"InvoiceNo": ["1", "2"], "Quantity": [3, -1],
    ...                     "InvoiceDate": ["2011-01-05 10:00", "2011-01-06 11:00"],
    ...                     "UnitPrice": ["2.5", "1"], "CustomerID": [17850.0, None]})
    >>> r = collect_frame(raw, "transactions", source="shop",
    ...                   filters=[{"field": "quantity", "op": ">", "value": 0}])
    >>> r.tables["transactions"][["record_id", "customer_ref", "amount"]].values.tolist()
    [['1', '17850', 7.5]]
    >>> r.rejects["reason"].tolist()
    ['filter: quantity > 0']
    """
    out = _collect_one(raw, kind, source=source, mapping=mapping, formats=formats,
                       cleaners=cleaners, filters=filters, collection=collection,
                       customer_source=customer_source, owner=owner, definitions=definitions,
                       pii=pii, drop_duplicates=drop_duplicates, file=file,
                       source_rows=source_rows, bad_rows=bad_rows,
                       reference_date=reference_date, progress=progress, warnings=warnings,
                       file_info=raw.attrs)
    return _assemble([(kind, out)], {source: {}})


def _collect_one(raw, kind, *, source, mapping=None, formats=None, cleaners=None, filters=None,
                 collection=None, customer_source=None, owner=None, definitions=None,
                 pii=None, drop_duplicates=None, file=None, source_rows=None, bad_rows=None,
                 reference_date=None, progress=False, warnings=None,
                 file_info=None) -> _SourceOut:
    from ..config.sources import RowFilter

    collection = collection or CollectionConfig()
    fields = fields_of(kind)
    file = file or source
    if isinstance(formats, SourceFormats):
        formats = formats.model_dump()
    formats = dict(formats or {})
    if not formats.get("phone_region") and formats.get("country"):
        formats["phone_region"] = formats["country"]
    filters = [f if isinstance(f, RowFilter) else RowFilter(**f) for f in (filters or [])]
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c) for c in raw.columns]
    n = len(raw)
    rows = np.asarray(source_rows if source_rows is not None else np.arange(1, n + 1),
                      dtype=np.int64)

    # -- mapping --------------------------------------------------------------------
    if mapping:
        mapping = check_mapping(mapping, raw.columns, kind, file)
    else:
        mapping = infer_mapping(raw.columns, kind)
    for name, f in fields.items():
        if f.required and name != "record_id" and name not in mapping:
            raise InputError(file, f"no column for required field {name!r} of {kind}; "
                             f"columns are: {', '.join(raw.columns)} (add it to the mapping)")
    if not mapping:
        raise InputError(file, f"no column could be mapped to a {kind} field; columns are: "
                         f"{', '.join(raw.columns)} (give a mapping)")
    catalog = build_catalog(raw, mapping, source=source, kind=kind, owner=owner,
                            definitions=definitions, pii=pii)

    rej = _Rejects(n)
    n_dup = 0
    # -- exact duplicates (on the source values, before any cleaning) --------------------
    dedupe = collection.drop_exact_duplicates if drop_duplicates is None else drop_duplicates
    if dedupe and n > 1:
        h = pd.util.hash_pandas_object(raw, index=False).to_numpy()
        hs = pd.Series(h)
        dup = hs.duplicated(keep="first").to_numpy()
        if dup.any():
            first = pd.Series(np.arange(n)).groupby(h).transform("min").to_numpy()
            reasons = np.full(n, None, dtype=object)
            reasons[dup] = ["exact duplicate of row " + str(r) for r in rows[first[dup]]]
            n_dup = rej.add(dup, reasons, kind="duplicate")

    # -- cleaning ---------------------------------------------------------------------
    ref = reference_date or collection.reference_date
    defaults = {"reference_date": ref, "placeholders": tuple(collection.placeholder_dates)}
    keep_raw = collection.keep_raw == "all" or (collection.keep_raw == "customers"
                                                and kind == "customers")
    out = pd.DataFrame(index=raw.index)
    extras_cols: dict[str, pd.Series] = {}
    fills: dict[str, pd.Series] = {}
    raw_cols: dict[str, pd.Series] = {}
    dates, before = [], {}
    order = sorted(mapping, key=lambda f: (f != "country", list(fields).index(f)))
    from tqdm.auto import tqdm

    for name in tqdm(order, disable=not progress, desc=f"cleaning {source}", leave=False):
        col = mapping[name]
        series = raw[col]
        before[name] = float(_filled(series).mean()) if n else 0.0
        values = series
        specs = cleaners_for(name, kind, cleaners, collection)
        for spec in specs:
            try:
                c = make_cleaner(spec, formats=formats, defaults=defaults)
            except ValueError as exc:
                raise ConfigError(file, f"cleaners.{name}", str(exc)) from None
            X = values
            if c.uses:
                ctx = {u: out[u] for u in c.uses if u in out}
                if ctx:
                    X = pd.concat([values.rename(name), *[v.rename(k) for k, v in ctx.items()]],
                                  axis=1)
            c.fit(X)
            values, extras = c.transform_full(X)
            for ename, evals in extras.items():
                if ename in _FILLS:
                    fills[ename] = evals if ename not in fills else fills[ename].fillna(evals)
                else:
                    extras_cols[f"{name}_{ename}"] = evals
            if isinstance(c, DateCleaner):
                dates.append({"source": source, "field": name, "column": col, **c.report_})
        out[name] = _coerce(values, fields[name].dtype)
        if keep_raw and name not in ("record_id",):
            raw_cols[f"{name}_raw"] = to_text(series)
        _check_mixed(series, out[name], extras_cols, name, fields[name].dtype, col, file,
                     rows, collection.max_invalid_share)

    # -- derived fields -------------------------------------------------------------------
    if kind == "customers":
        if collection.split_full_name and "full_name" in out and "first_name" not in out \
                and "last_name" not in out:
            first, last = split_full_name(out["full_name"])
            out["first_name"], out["last_name"] = first, last
            for nm in ("first_name", "last_name"):
                extras_cols[f"{nm}_key"] = _keys(out[nm])
        for nm in ("title", "suffix"):
            if nm not in out and nm in fills:
                out[nm] = fills[nm]
        if "country" not in out and formats.get("country"):
            # A source without a country column: its addresses are in the default country.
            out["country"] = pd.Series(str(formats["country"]).upper(), index=raw.index,
                                       dtype=object)
    if kind == "transactions" and "amount" not in out and "quantity" in out \
            and "unit_price" in out:
        out["amount"] = (out["quantity"] * out["unit_price"]).round(6)
    if kind != "customers":
        if "customer_source" not in out:
            out["customer_source"] = pd.Series(customer_source, index=raw.index, dtype=object)
        else:
            out["customer_source"] = out["customer_source"].fillna(customer_source) \
                if customer_source else out["customer_source"]

    # -- row rules ----------------------------------------------------------------------
    for name, f in fields.items():
        if not f.required or name not in out:
            continue
        col = mapping.get(name)
        present = _filled(raw[col]).to_numpy() if col else np.ones(n, bool)
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
    for flt in filters:
        if flt.field not in out:
            raise ConfigError(file, "filters", f"filter on {flt.field!r}, which this {kind} "
                              f"source does not have (fields: {', '.join(out.columns)})")
        keep = _filter_mask(out[flt.field], flt, file)
        n_filtered += rej.add(~keep, flt.reason or f"filter: {flt.describe()}",
                              mapping.get(flt.field), flt.field, kind="filter")

    # -- assemble -------------------------------------------------------------------------
    attrs = attributes_json(raw[[c for c in raw.columns if c not in set(mapping.values())]])
    table = _canonical_table(out, extras_cols, raw_cols, attrs, kind, source, rows, keep_raw)
    ok = rej.ok
    clean = table if ok.all() else table[ok]
    clean.index = pd.RangeIndex(len(clean))  # in place: no copy of a large table
    bad = ~ok
    values = np.full(n, None, dtype=object)
    for name_col in set(c for c in rej.column[bad] if c is not None):
        sel = bad & (rej.column == name_col)
        fld = next((f for f, c in mapping.items() if c == name_col), None)
        masker = _mask_for(fld, kind)
        values[sel] = [None if v is None else masker(v) for v in to_text(raw[name_col][sel])]
    rejects = pd.DataFrame({"source": source, "row": rows[bad], "column": rej.column[bad],
                            "field": rej.field[bad], "reason": rej.reason[bad],
                            "value": values[bad]}, columns=REJECT_COLUMNS)
    if bad_rows:
        bad_rows = [tuple(b) + (None,) * (3 - len(b)) for b in bad_rows]
        extra = pd.DataFrame({"source": source, "row": [b[0] for b in bad_rows],
                              "column": [b[2] for b in bad_rows],
                              "field": [next((f for f, c in mapping.items() if c == b[2]), None)
                                        for b in bad_rows],
                              "reason": [b[1] for b in bad_rows], "value": None})
        rejects = pd.concat([rejects, extra], ignore_index=True).sort_values(
            "row", kind="stable").reset_index(drop=True)
    rows_in = n + len(bad_rows or [])
    warn = pd.DataFrame([(source, r, c, why) for r, c, why in (warnings or [])],
                        columns=WARNING_COLUMNS)
    info = file_info or {}
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
    for name in fields:
        if name in ("customer_source",):
            continue
        after = float(clean[name].notna().mean()) if len(clean) and name in clean else 0.0
        comp.append({"source": source, "kind": kind, "field": name,
                     "before": round(before.get(name, 0.0), 4), "after": round(after, 4)})
    return _SourceOut(clean, rejects, stats, catalog, dates, pd.DataFrame(comp), mapping, warn)


def _keys(s: pd.Series) -> pd.Series:
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    keys = np.array([text_key(u) or None for u in uniq] + [None], dtype=object)
    return pd.Series(keys[codes], index=s.index, dtype=object)


def _check_mixed(series, cleaned, extras, name, dtype, col, file, rows, limit):
    """Typed fields whose values mostly fail to parse: wrong column or mixed types."""
    if dtype not in ("float", "int", "date", "datetime", "bool"):
        return
    present = _filled(series)
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


def _canonical_table(out, extras_cols, raw_cols, attrs, kind, source, rows, keep_raw):
    fields = fields_of(kind)
    idx = out.index
    cols: dict[str, pd.Series] = {
        "source": pd.Series(source, index=idx, dtype=object),
        "record_id": out["record_id"].astype(object),
        "source_row": pd.Series(rows, index=idx, dtype="int64"),
    }
    for name, f in fields.items():
        if name == "record_id":
            continue
        cols[name] = out[name] if name in out else _empty_like(f.dtype, idx)
        if keep_raw and name != "customer_source":
            cols[f"{name}_raw"] = raw_cols.get(f"{name}_raw",
                                               pd.Series(None, index=idx, dtype=object))
        specs = DEFAULT_CLEANERS.get(name) or _BY_TYPE[f.dtype]
        for o in _outputs_of(specs):
            # Validity flags of plain number/boolean fields add little to the tables.
            if o == "valid" and f.dtype in ("float", "int", "bool") and kind != "customers":
                continue
            cname = f"{name}_{o}"
            default = pd.Series(pd.NA, index=idx, dtype="boolean") if o == "valid" else \
                pd.Series(None, index=idx, dtype=object)
            cols[cname] = extras_cols.get(cname, default)
        for cname, s in extras_cols.items():
            if not cname.startswith(name + "_") or cname in cols:
                continue
            if cname.endswith("_valid") and f.dtype in ("float", "int", "bool") \
                    and kind != "customers":
                continue
            if cname[len(name) + 1:] in ("key", "std", "kind", "flag", "valid"):
                cols[cname] = s
    cols["attributes"] = attrs
    return pd.DataFrame(cols, index=idx, copy=False)


def _assemble(parts: list, files: dict) -> CollectionResult:
    tables: dict[str, pd.DataFrame] = {}
    for kind in KINDS:
        frames = [o.clean for k, o in parts if k == kind]
        if frames:
            frames = [f for f in frames if len(f)] or frames[:1]
            tables[kind] = pd.concat(frames, ignore_index=True) if len(frames) > 1 \
                else frames[0]
    rejects = pd.concat([o.rejects for _, o in parts], ignore_index=True) if parts else \
        pd.DataFrame(columns=REJECT_COLUMNS)
    rejects = rejects.astype({"row": "int64"}) if len(rejects) else rejects
    stats = pd.DataFrame([o.stats for _, o in parts], columns=STATS_COLUMNS)
    catalog = pd.concat([o.catalog for _, o in parts], ignore_index=True) if parts else \
        pd.DataFrame(columns=CATALOG_COLUMNS)
    date_rows = [d for _, o in parts for d in o.dates]
    dates = pd.DataFrame(date_rows)
    completeness = pd.concat([o.completeness for _, o in parts], ignore_index=True) \
        if parts else pd.DataFrame(columns=["source", "kind", "field", "before", "after"])
    mappings = {o.stats["source"]: o.mapping for _, o in parts}
    report = CollectionReport(dates=dates, completeness=completeness, mappings=mappings,
                              files=files)
    warn = [o.warnings for _, o in parts if len(o.warnings)]
    warnings = pd.concat(warn, ignore_index=True) if warn else \
        pd.DataFrame(columns=WARNING_COLUMNS)
    return CollectionResult(tables, rejects, stats, catalog, report, warnings)


# -- sources from config -----------------------------------------------------------------
def _loader_for(source: SourceConfig, collection: CollectionConfig):
    cls = loader_registry.get(source.resolved_loader())
    options = dict(source.options)
    allowed = set(getattr(cls, "options_allowed", ()))
    for key, value in (("chunksize", collection.chunksize),
                       ("max_field_size", collection.max_field_size),
                       ("on_bad_rows", collection.on_bad_rows),
                       ("on_bad_bytes", collection.on_bad_bytes),
                       ("encodings", collection.encodings)):
        if key in allowed and key not in options:
            options[key] = value
    if "encoding" in options and options["encoding"] is None:
        del options["encoding"]
    if "delimiter" in options and options["delimiter"] is None:
        del options["delimiter"]
    return cls(**options)


def _default_customer_source(config: ClientConfig, source: SourceConfig) -> str | None:
    if source.kind == "customers":
        return None
    if source.customer_source:
        return source.customer_source
    cust = config.sources_of("customers")
    return cust[0].name if len(cust) == 1 else None


def collect_source(source: SourceConfig, config: ClientConfig | None = None, *,
                   progress: bool = False) -> CollectionResult:
    """Load and collect one configured source.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "c.csv").write_text("id,name,mail\\n1,Ann Lee,ann@x.org\\n")
    >>> from cdmkit.config import ClientConfig
    >>> cfg = ClientConfig(client="a", base_dir=str(d),
    ...                    sources=[{"name": "crm", "kind": "customers", "path": "c.csv"}])
    >>> collect_source(cfg.sources[0], cfg).tables["customers"][["first_name", "last_name"]]\\
    ...     .values.tolist()
    [['Ann', 'Lee']]
    """
    config = config or ClientConfig(client="adhoc", sources=[source])
    out, info = _load_and_collect(source, config, progress)
    return _assemble([(source.kind, out)], {source.name: info})


def _load_and_collect(source: SourceConfig, config: ClientConfig, progress: bool):
    collection = config.collection
    loader = _loader_for(source, collection)
    path = config.resolve_path(source.path) if source.path else None
    raw = loader.load(path, progress=progress or collection.progress)
    info = {"loader": source.resolved_loader(), "path": str(path) if path else None,
            "encoding": raw.attrs.get("encoding"), "delimiter": raw.attrs.get("delimiter"),
            "encoding_confidence": raw.attrs.get("encoding_confidence"),
            "compression": raw.attrs.get("compression")}
    ref = collection.reference_date or config.reference_date
    out = _collect_one(
        raw, source.kind, source=source.name, mapping=source.mapping, formats=source.formats,
        cleaners=source.cleaners, filters=source.filters, collection=collection,
        customer_source=_default_customer_source(config, source), owner=source.owner,
        definitions=source.definitions, pii=source.pii, drop_duplicates=source.drop_duplicates,
        file=str(path) if path else source.name, source_rows=raw.attrs.get("source_rows"),
        bad_rows=getattr(loader, "bad_rows_", None), reference_date=ref,
        progress=progress or collection.progress, warnings=raw.attrs.get("warnings"),
        file_info=raw.attrs)
    return out, info


def collect_sources(config: ClientConfig, progress: bool = False,
                    sources: list[str] | None = None) -> CollectionResult:
    """Collect every source of a client (the collection stage).

    Parameters
    ----------
    config : ClientConfig
        The client's config (sources and ``collection:`` options).
    progress : bool
        Show progress bars.
    sources : list of str, optional
        Only these sources (default: all).

    Returns
    -------
    CollectionResult
        Canonical tables per kind (concatenated over sources), rejects,
        per-source counts, catalogue and report.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "c.csv").write_text("id,email\\n1,a@x.org\\n2,b@x.org\\n")
    >>> _ = (d / "t.csv").write_text("id,customer_id,date,amount\\n1,1,2024-01-05,9.5\\n")
    >>> from cdmkit.config import ClientConfig
    >>> cfg = ClientConfig(client="a", base_dir=str(d), sources=[
    ...     {"name": "crm", "kind": "customers", "path": "c.csv"},
    ...     {"name": "shop", "kind": "transactions", "path": "t.csv"}])
    >>> res = collect_sources(cfg)
    >>> res.source_stats[["source", "rows_in", "rows_clean"]].values.tolist()
    [['crm', 2, 2], ['shop', 1, 1]]
    >>> res.tables["transactions"][["customer_source", "customer_ref"]].values.tolist()
    [['crm', '1']]
    """
    from ..privacy.suppression import apply_suppression, load_suppression

    # Erased people (the store's suppression list) never re-enter a run.
    suppression = load_suppression(config.store_path)
    parts, files = [], {}
    for source in config.sources:
        if sources is not None and source.name not in sources:
            continue
        out, info = _load_and_collect(source, config, progress)
        out.clean, gone = apply_suppression(out.clean, source.kind, source=source.name,
                                            suppression=suppression)
        if len(gone):
            out.rejects = pd.concat([out.rejects, gone], ignore_index=True)
            out.stats["rows_clean"] -= len(gone)
            out.stats["rows_rejected"] += len(gone)
        parts.append((source.kind, out))
        files[source.name] = info
    return _assemble(parts, files)


def _source_name(path: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", path.stem) or "source"
    return name if name[0].isalpha() else "s_" + name


def collect_file(path, kind: str, mapping: dict | None = None, *, name: str | None = None,
                 loader: str | None = None, formats: dict | None = None,
                 cleaners: dict | None = None, filters: list | None = None,
                 collection: CollectionConfig | dict | None = None, progress: bool = False,
                 **options: Any) -> CollectionResult:
    """Collect one file (what ``cdmkit collect FILE`` does).

    Parameters
    ----------
    path : str or Path
        The file.
    kind : str
        Source kind.
    mapping : dict, optional
        ``{canonical field: column}``; inferred when absent.
    name : str, optional
        Source name (default: from the file name).
    loader : str, optional
        Loader name (default: from the extension).
    formats, cleaners, filters : optional
        As in a source config.
    collection : CollectionConfig or dict, optional
        Stage options.
    **options
        Loader options (``encoding``, ``delimiter``, ``sheet``, ...).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "people.csv"
    >>> _ = p.write_text("fname;lname;mobile\\nAnn;Lee;07911 123456\\n", encoding="utf-8")
    >>> r = collect_file(p, "customers", formats={"phone_region": "GB"})
    >>> r.table()[["record_id", "first_name", "phone"]].values.tolist()
    [['1', 'Ann', '+447911123456']]
    """
    p = Path(path)
    if kind not in KINDS:
        raise InputError(p, f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    if isinstance(collection, dict):
        collection = CollectionConfig(**collection)
    src = SourceConfig(name=name or _source_name(p), kind=kind, loader=loader,
                       path=str(p.resolve()),
                       options={k: v for k, v in options.items() if v is not None},
                       mapping=mapping or None, formats=SourceFormats(**(formats or {})),
                       cleaners=cleaners or {}, filters=filters or [])
    cfg = ClientConfig(client="adhoc", base_dir=str(Path.cwd()), sources=[src],
                       collection=collection or CollectionConfig())
    return collect_sources(cfg, progress=progress)

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

import pandas as pd

from ..config import ClientConfig, CollectionConfig, SourceConfig, SourceFormats
from ..errors import InputError
from ..model import KINDS
from ..registry import loaders as loader_registry
from .canonical import (
    DEFAULT_CLEANERS,
    REJECT_COLUMNS,
    STATS_COLUMNS,
    WARNING_COLUMNS,
    cleaners_for,
)
from .catalog import CATALOG_COLUMNS
from .source import _collect_one, _OneSource, _same_row_codes  # noqa: F401 (tests use it)

# The steps of one source live in collect/source.py, the table layouts and default cleaners
# in collect/canonical.py; this module runs them over a client's sources and keeps the names
# importable from here.
__all__ = ["DEFAULT_CLEANERS", "REJECT_COLUMNS", "STATS_COLUMNS", "WARNING_COLUMNS",
           "CollectionResult",
           "CollectionReport", "collect_frame", "collect_source", "collect_sources",
           "collect_file", "cleaners_for"]


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
    out = _collect_one(_OneSource(
        raw, kind, source=source, mapping=mapping, formats=formats, cleaners=cleaners,
        filters=filters, collection=collection, customer_source=customer_source, owner=owner,
        definitions=definitions, pii=pii, drop_duplicates=drop_duplicates, file=file,
        source_rows=source_rows, bad_rows=bad_rows, reference_date=reference_date,
        progress=progress, warnings=warnings, file_info=raw.attrs))
    return _assemble([(kind, out)], {source: {}})


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
    out = _collect_one(_OneSource(
        raw, source.kind, source=source.name, mapping=source.mapping, formats=source.formats,
        cleaners=source.cleaners, filters=source.filters, collection=collection,
        customer_source=_default_customer_source(config, source), owner=source.owner,
        definitions=source.definitions, pii=source.pii, drop_duplicates=source.drop_duplicates,
        file=str(path) if path else source.name, source_rows=raw.attrs.get("source_rows"),
        bad_rows=getattr(loader, "bad_rows_", None), reference_date=ref,
        progress=progress or collection.progress, warnings=raw.attrs.get("warnings"),
        file_info=raw.attrs))
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

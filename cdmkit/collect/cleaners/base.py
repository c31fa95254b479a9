"""The cleaner base class and the per-distinct-value machinery every cleaner shares."""

from __future__ import annotations

import unicodedata
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from ..textnorm import clean_spaces, normalize_persian
from .vector import blank_mask


def _missing_mask(s: pd.Series) -> pd.Series:
    m = s.isna()
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):  # pandas 3: str dtype
        m |= blank_mask(s.to_numpy())
    return m


def to_text(s: pd.Series) -> pd.Series:
    """Values as text (object dtype, ``None`` for missing); integral floats lose their ``.0``.

    Examples
    --------
    >>> to_text(pd.Series([17850.0, None, 3.5])).tolist()
    ['17850', None, '3.5']
    >>> to_text(pd.Series(["a", 1, pd.Timestamp("2024-01-02")])).tolist()
    ['a', '1', '2024-01-02 00:00:00']
    """
    if pd.api.types.is_float_dtype(s):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        fin = np.isfinite(vals)
        integral = fin & (np.mod(np.where(fin, vals, 0), 1) == 0) & (np.abs(vals) < 2**53)
        out = np.empty(len(vals), dtype=object)
        out[:] = None
        if integral.any():
            out[integral] = vals[integral].astype(np.int64).astype(str)
        other = fin & ~integral
        if other.any():
            out[other] = [repr(float(v)) for v in vals[other]]
        return pd.Series(out, index=s.index, dtype=object)
    if pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s):
        return s.astype(str).where(s.notna(), None).astype(object)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype(str).where(s.notna(), None).astype(object)
    text_dtype = s.dtype == object or isinstance(s.dtype, pd.StringDtype)  # pandas 3: str dtype
    if text_dtype and (pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
                       or all(isinstance(v, str) for v in s.dropna())):
        return s.where(s.notna(), None).astype(object)

    def one(v):
        if isinstance(v, str):
            return v
        if isinstance(v, float):
            if v != v:
                return None
            return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)
        if isinstance(v, bytes):
            return v.decode("utf-8", errors="replace")
        return str(v)
    return s.map(one, na_action="ignore").where(s.notna(), None).astype(object)


def _row_codes(keys: pd.DataFrame) -> np.ndarray:
    """Codes of the distinct rows of ``keys`` (object columns, ``None`` for missing).

    Rows are equal when the text of every part is equal (``str(v)``, missing as
    ``"\x00"``); codes follow first appearance.
    """
    # Fast route: columns of text only (str(v) is v) are factorised column by column
    # and the codes combined; the text key below gives the same grouping.
    combined = None
    for c in keys.columns:
        col = keys[c]
        if pd.api.types.infer_dtype(col, skipna=True) not in ("string", "empty") \
                or (col == "\x00").any():
            combined = None
            break
        cc, uniq = pd.factorize(col, use_na_sentinel=True)
        cc = np.where(cc < 0, len(uniq), cc).astype(np.int64)  # missing: a value of its own
        if combined is None:
            combined = cc
        else:
            combined, _ = pd.factorize(combined * (len(uniq) + 1) + cc)
            combined = combined.astype(np.int64)
    if combined is not None:
        return pd.factorize(combined)[0]
    # One text key per row ("\x00" for missing parts); codes follow first appearance.
    joined = None
    for c in keys.columns:
        part = keys[c].map(lambda v: "\x00" if v is None else str(v)).astype(str)
        joined = part if joined is None else joined + "\x1f" + part
    return pd.factorize(joined)[0]


def _apply_unique(frame: pd.DataFrame, fn, n_out: int) -> list[pd.Series]:
    """Apply ``fn(*row_values) -> tuple`` once per distinct row of ``frame``."""
    idx = frame.index
    if frame.shape[1] == 1:
        codes, uniques = pd.factorize(frame.iloc[:, 0], use_na_sentinel=True)
        uniq_rows = [(u,) for u in uniques]
    else:
        keys = frame.astype(object).where(frame.notna(), None)
        codes = _row_codes(keys)
        _, first = np.unique(codes, return_index=True)
        uniq_rows = [tuple(r) for r in keys.iloc[first].itertuples(index=False)]
        if frame.iloc[:, 0].isna().any():
            codes = np.where(frame.iloc[:, 0].isna().to_numpy(), -1, codes)
    results = [fn(*r) for r in uniq_rows]
    na_result = fn(*([None] * frame.shape[1]))  # code -1: missing input
    outs = []
    for j in range(n_out):
        vals = np.empty(len(results) + 1, dtype=object)
        vals[:-1] = [r[j] for r in results]
        vals[-1] = na_result[j]
        outs.append(pd.Series(vals[codes], index=idx, dtype=object))
    return outs


class Cleaner(TransformerMixin, BaseEstimator):
    """Base class: cleans one field; subclasses implement :meth:`_clean_one` (or override).

    Class attributes
    ----------------
    uses : tuple of str
        Other canonical fields the cleaner reads (e.g. the phone cleaner reads
        ``country`` to pick the region of national numbers); the pipeline passes
        them, already cleaned, as the extra columns of a DataFrame.
    outputs : tuple of str
        Names of extra outputs (stored as ``<field>_<name>``).

    Examples
    --------
    >>> from cdmkit.collect.cleaners import TextCleaner
    >>> TextCleaner().fit_transform(pd.Series([" a  b ", None])).tolist()
    ['a b', None]
    """

    uses: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ()
    #: Format options (``SourceFormats`` fields) this cleaner takes as default parameters.
    format_params: ClassVar[dict[str, str]] = {}

    def fit(self, X, y=None):
        """Learn nothing (most cleaners are stateless); returns ``self``."""
        return self

    def transform(self, X) -> pd.Series:
        """Standardised values of ``X`` (a Series, or a DataFrame with the field first)."""
        return self.transform_full(X)[0]

    def transform_full(self, X) -> tuple[pd.Series, dict[str, pd.Series]]:
        """Standardised values and the extra outputs (``{name: Series}``).

        Examples
        --------
        >>> from cdmkit.collect.cleaners import EmailCleaner
        >>> v, extra = EmailCleaner().transform_full(pd.Series(["bad@", "a@b.org"]))
        >>> extra["valid"].tolist()
        [False, True]
        """
        frame = X.to_frame() if isinstance(X, pd.Series) else X
        first = to_text(frame.iloc[:, 0])
        missing = _missing_mask(first)
        ctx = [frame.iloc[:, i] for i in range(1, frame.shape[1])]
        work = pd.concat([first.where(~missing, None), *ctx], axis=1)
        outs = self._apply(work)
        values = outs[0]
        extras = {}
        for name, s in zip(self.outputs, outs[1:]):
            extras[name] = s.where(~missing, None) if name != "valid" else \
                s.where(~missing, None).astype("boolean")
        return values, extras

    def _clean_one(self, value, *context):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fast_column(self, values: np.ndarray):
        """Whole-column road for plain values: ``(done mask, [output arrays of the done])``.

        ``None`` (the default) when a cleaner has none or the column does not suit it;
        the values not done go through :meth:`_clean_one`, once per distinct value.
        """
        return None

    def _apply(self, work: pd.DataFrame) -> list[pd.Series]:
        n_out = 1 + len(self.outputs)
        fast = self._fast_column(work.iloc[:, 0].to_numpy()) \
            if work.shape[1] == 1 and len(work) > 1000 else None
        if fast is None:
            return _apply_unique(work, self._clean_one, n_out)
        done, done_outs = fast
        rest = _apply_unique(work[~done], self._clean_one, n_out) if (~done).any() \
            else [pd.Series([], dtype=object)] * n_out
        outs = []
        for j in range(n_out):
            col = np.empty(len(work), dtype=object)
            col[done] = done_outs[j]
            col[~done] = rest[j].to_numpy()
            outs.append(pd.Series(col, index=work.index, dtype=object))
        return outs


def _nfkc(v: str) -> str:
    return unicodedata.normalize("NFKC", v)


def _base_text(v: str) -> str:
    s = clean_spaces(normalize_persian(_nfkc(v)))
    return s

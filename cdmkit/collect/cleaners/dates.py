"""Dates and timestamps: formats, day/month inference, calendars, placeholders, roles."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from ...registry import cleaners
from ..textnorm import (
    clean_spaces,
    normalize_digits,
)
from .base import Cleaner, _nfkc, to_text

_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
                  r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?")
_XXY = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})"
                  r"(?:[T ,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")

#: Dates systems write when the true date is unknown.
DEFAULT_PLACEHOLDERS = ("1900-01-01", "1901-01-01", "1800-01-01", "1899-12-30", "1899-12-31",
                        "0001-01-01", "9999-12-31", "2999-12-31")


def _jalali_to_gregorian(y, m, d):
    import jdatetime

    try:
        g = jdatetime.date(int(y), int(m), int(d)).togregorian()
        return g.year, g.month, g.day
    except (ValueError, OverflowError):
        return None


@cleaners.register("date")
class DateCleaner(Cleaner):
    """Dates and timestamps: explicit formats, or inference with a day/month ambiguity report.

    Without a ``format``, ISO (``2024-03-07``), compact (``20240307``) and
    day/month/year or month/day/year forms (``/``, ``-``, ``.``) are
    recognised; other text (``7 March 2024``) goes to pandas' parser. The
    day/month order of ``a/b/yyyy`` values is decided by ``dayfirst`` when
    given, else by evidence in the column (a first part above 12 proves
    day-first, a second part above 12 proves month-first), else it defaults to
    day-first; values where the order could not be proven (both parts 12 or
    less and different) are flagged ``ambiguous_order``. ``calendar="jalali"``
    reads Solar Hijri dates (``1362/05/14``) and converts them to Gregorian.

    The ``flag`` output marks ``unparseable`` values (kept as missing),
    ``ambiguous_order``, ``placeholder`` dates (``1900-01-01``, ...),
    ``future`` dates and, for birth dates, ``implausible`` ages (over 120).
    After :meth:`fit`, ``order_`` and ``decided_by_`` describe the decision; after
    :meth:`transform`, ``report_`` holds the counts.

    Parameters
    ----------
    format : str, optional
        ``strftime`` format; values not matching it are ``unparseable``.
    dayfirst : bool, optional
        Order of ambiguous ``a/b/yyyy`` dates.
    calendar : {"gregorian", "jalali"}
    role : {"date", "birth", "datetime"}
        ``datetime`` keeps times; ``birth`` adds the age checks.
    reference_date : str, optional
        "Today" for ``future`` and age checks (default: the current date).
    timezone : str, optional
        Time zone of naive timestamps; timestamps are returned as naive UTC when given.
    placeholders : tuple of str
        Dates flagged as placeholders.

    Examples
    --------
    >>> c = DateCleaner().fit(pd.Series(["25/12/1980", "03/04/1985", "1900-01-01"]))
    >>> c.order_, c.decided_by_
    ('dmy', 'evidence')
    >>> v, x = c.transform_full(pd.Series(["25/12/1980", "03/04/1985", "1900-01-01", "soon"]))
    >>> v.dt.strftime("%Y-%m-%d").tolist()
    ['1980-12-25', '1985-04-03', '1900-01-01', nan]
    >>> x["flag"].tolist()
    [None, None, 'placeholder', 'unparseable']
    >>> DateCleaner(calendar="jalali").transform(pd.Series(["۱۳۶۲/۰۵/۱۴"])).dt.date.tolist()
    [datetime.date(1983, 8, 5)]
    """

    outputs = ("flag",)
    format_params = {"format": "date_format", "dayfirst": "dayfirst", "calendar": "calendar"}

    def __init__(self, format: str | None = None, dayfirst: bool | None = None,
                 calendar: str = "gregorian", role: str = "date",
                 reference_date: str | None = None, timezone: str | None = None,
                 placeholders: tuple = DEFAULT_PLACEHOLDERS):
        self.format = format
        self.dayfirst = dayfirst
        self.calendar = calendar
        self.role = role
        self.reference_date = reference_date
        self.timezone = timezone
        self.placeholders = placeholders

    # -- helpers -----------------------------------------------------------------------
    def _ref(self) -> pd.Timestamp:
        return pd.Timestamp(self.reference_date) if self.reference_date else \
            pd.Timestamp(date.today())

    @staticmethod
    def _prepare(X) -> pd.Series:
        s = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else X
        return s

    @staticmethod
    def _uniques_text(s: pd.Series):
        text = to_text(s)
        codes, uniques = pd.factorize(text, use_na_sentinel=True)
        u = pd.Series(uniques, dtype=object).map(
            lambda v: clean_spaces(normalize_digits(_nfkc(v))))
        return codes, u

    def fit(self, X, y=None):
        """Decide the day/month order from the evidence in ``X``."""
        s = self._prepare(X)
        self.n_evidence_dmy_ = self.n_evidence_mdy_ = 0
        if self.format:
            self.order_, self.decided_by_ = None, "format"
            return self
        if self.dayfirst is not None:
            self.order_, self.decided_by_ = ("dmy" if self.dayfirst else "mdy"), "config"
            return self
        if pd.api.types.is_datetime64_any_dtype(s):
            self.order_, self.decided_by_ = None, "typed"
            return self
        _, u = self._uniques_text(s)
        parts = u.str.extract("^" + _XXY.pattern + "$")
        a = pd.to_numeric(parts[0], errors="coerce")
        b = pd.to_numeric(parts[1], errors="coerce")
        dmy = int(((a > 12) & (b <= 12)).sum())
        mdy = int(((b > 12) & (a <= 12)).sum())
        self.n_evidence_dmy_, self.n_evidence_mdy_ = dmy, mdy
        if dmy and not mdy:
            self.order_, self.decided_by_ = "dmy", "evidence"
        elif mdy and not dmy:
            self.order_, self.decided_by_ = "mdy", "evidence"
        elif dmy and mdy:
            self.order_ = "dmy" if dmy >= mdy else "mdy"
            self.decided_by_ = "conflict"
        else:
            self.order_, self.decided_by_ = "dmy", "default"
        return self

    def transform_full(self, X):
        """Parsed values (``datetime64[ns]``) and the ``flag`` output."""
        if not hasattr(self, "decided_by_"):
            self.fit(X)
        s = self._prepare(X)
        idx = s.index
        keep_time = self.role == "datetime"
        flags_u = None
        if pd.api.types.is_datetime64_any_dtype(s):
            out = s
            if getattr(out.dt, "tz", None) is not None:
                out = out.dt.tz_convert("UTC").dt.tz_localize(None)
            elif self.timezone:
                out = out.dt.tz_localize(self.timezone, ambiguous="NaT", nonexistent="NaT") \
                    .dt.tz_convert("UTC").dt.tz_localize(None)
            out = out.astype("datetime64[ns]")
            present = out.notna()
            flag = pd.Series(None, index=idx, dtype=object)
            n_amb = 0
        else:
            codes, u = self._uniques_text(s)
            vals_u, flags_u = self._parse_uniques(u)
            take = np.where(codes >= 0, codes, len(vals_u))
            vals_arr = np.append(vals_u.to_numpy(dtype="datetime64[ns]"),
                                 np.datetime64("NaT", "ns"))
            out = pd.Series(vals_arr[take], index=idx)
            fl_arr = np.append(flags_u.to_numpy(dtype=object), None)
            flag = pd.Series(fl_arr[take], index=idx, dtype=object)
            present = pd.Series(codes >= 0, index=idx)
            n_amb = int((flag == "ambiguous_order").sum())
        if not keep_time:
            out = out.dt.normalize()
        # Value checks (do not override a parse flag).
        ok = out.notna() & flag.isna()
        ph = pd.to_datetime(pd.Series(list(self.placeholders)), errors="coerce").dropna()
        # pandas 3 keeps 0001-01-01 (second resolution); `out` is ns, where it cannot exist
        ph = ph[ph.between(pd.Timestamp.min, pd.Timestamp.max)]
        ref = self._ref()
        is_ph = out.dt.normalize().isin(ph)
        flag = flag.mask(ok & is_ph, "placeholder")
        ok &= ~is_ph
        if self.role in ("birth", "date"):
            flag = flag.mask(ok & (out > ref), "future")
        if self.role == "birth":
            flag = flag.mask(ok & (out <= ref) & (out < ref - pd.DateOffset(years=120)),
                             "implausible")
        self.report_ = {
            "order": getattr(self, "order_", None), "decided_by": self.decided_by_,
            "n_values": int(present.sum()), "n_parsed": int(out.notna().sum()),
            "n_unparseable": int((flag == "unparseable").sum()),
            "n_ambiguous": n_amb,
            "n_placeholder": int((flag == "placeholder").sum()),
            "n_future": int((flag == "future").sum()),
            "n_implausible": int((flag == "implausible").sum()),
            "n_evidence_dmy": getattr(self, "n_evidence_dmy_", 0),
            "n_evidence_mdy": getattr(self, "n_evidence_mdy_", 0),
        }
        flag = flag.astype(object).where(flag.notna(), None)
        return out.astype("datetime64[ns]"), {"flag": flag}

    # One pass over the formats in order of preference; split, six arrays would travel along.
    def _parse_uniques(self, u: pd.Series):
        n = len(u)
        year = pd.Series(np.nan, index=u.index)
        month, day = year.copy(), year.copy()
        hour, minute, second = year.copy(), year.copy(), year.copy()
        flags = pd.Series(None, index=u.index, dtype=object)
        result = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
        if n == 0:
            return result, flags
        done = pd.Series(False, index=u.index)
        tz_off = pd.Series(None, index=u.index, dtype=object)
        if self.format and self.calendar != "jalali":
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = pd.to_datetime(u, format=self.format, errors="coerce")
            # Values in another unambiguous form (a date where a timestamp was expected,
            # ISO instead of the format) are still read; the rest are unparseable.
            miss = result.isna()
            if miss.any():
                fmt = self.format
                fb = DateCleaner(dayfirst=fmt.find("%d") < fmt.find("%m") if "%d" in fmt and
                                 "%m" in fmt else self.dayfirst, role=self.role,
                                 calendar=self.calendar)
                fb.fit(u[miss])
                r2, f2 = fb._parse_uniques(u[miss])
                result[miss] = r2
                flags[miss] = f2
            return self._localize(result, tz_off), flags.where(result.notna(), "unparseable")
        # ISO-like y-m-d [time]
        p = u.str.extract("^" + _YMD.pattern + "$")
        m = p[0].notna()
        year[m], month[m], day[m] = (pd.to_numeric(p[i][m]) for i in range(3))
        hour[m], minute[m] = pd.to_numeric(p[3][m]), pd.to_numeric(p[4][m])
        second[m] = pd.to_numeric(p[5][m])
        tz_off[m] = p[7][m]
        done |= m
        # compact yyyymmdd
        p = u.str.extract("^" + _COMPACT.pattern + "$")
        m = p[0].notna() & ~done
        year[m], month[m], day[m] = (pd.to_numeric(p[i][m]) for i in range(3))
        done |= m
        # a/b/y
        p = u.str.extract("^" + _XXY.pattern + "$")
        m = p[0].notna() & ~done
        if m.any():
            a, b = pd.to_numeric(p[0][m]), pd.to_numeric(p[1][m])
            y = pd.to_numeric(p[2][m])
            two = p[2][m].str.len() == 2
            pivot = self._ref().year % 100
            if self.role == "birth":
                y = y.where(~two, np.where(y > pivot, 1900 + y, 2000 + y))
            else:
                y = y.where(~two, np.where(y > pivot + 1, 1900 + y, 2000 + y))
            order = self.order_ or "dmy"
            if self.decided_by_ == "format" and self.format:
                order = "mdy" if self.format.find("%m") < self.format.find("%d") else "dmy"
            dd, mm = (a, b) if order == "dmy" else (b, a)
            # A value proving the other order wins for that value.
            swap = (mm > 12) & (dd <= 12)
            dd, mm = dd.where(~swap, mm), mm.where(~swap, dd)
            year[m], month[m], day[m] = y, mm, dd
            hh = pd.to_numeric(p[3][m])
            ampm = p[6][m].str.lower()
            hh = hh.where(~((ampm == "pm") & (hh < 12)), hh + 12)
            hh = hh.where(~((ampm == "am") & (hh == 12)), 0)
            hour[m], minute[m], second[m] = hh, pd.to_numeric(p[4][m]), pd.to_numeric(p[5][m])
            if self.decided_by_ in ("default", "conflict"):
                amb = (a <= 12) & (b <= 12) & (a != b)
                flags[amb[amb].index] = "ambiguous_order"
            done |= m
        if self.calendar == "jalali":
            jm = done & year.notna()
            conv = [(_jalali_to_gregorian(y_, m_, d_) if y_ < 1700 else (y_, m_, d_))
                    for y_, m_, d_ in zip(year[jm], month[jm], day[jm])]
            year[jm] = [c[0] if c else np.nan for c in conv]
            month[jm] = [c[1] if c else np.nan for c in conv]
            day[jm] = [c[2] if c else np.nan for c in conv]
        parts = pd.DataFrame({"year": year, "month": month, "day": day,
                              "hour": hour.fillna(0), "minute": minute.fillna(0),
                              "second": second.fillna(0)})
        valid = done & parts["year"].between(1, 9999) & parts["month"].between(1, 12) \
            & parts["day"].between(1, 31)
        if valid.any():
            sub = parts[valid].astype("int64")
            # Out-of-bounds years (0001, 9999) are kept as the nearest representable day.
            sub["year"] = sub["year"].clip(1678, 2261)
            result[valid] = pd.to_datetime(sub, errors="coerce")
        # Free text ("7 March 1984", "Mar 7, 1984"): pandas' parser, one value at a time.
        rest = ~done & u.str.contains(r"[A-Za-z]", regex=True)
        if rest.any():
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(u[rest], errors="coerce", format="mixed",
                                        dayfirst=(self.order_ or "dmy") == "dmy")
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
            result[rest] = parsed.astype("datetime64[ns]")
        flags = flags.mask(result.isna(), "unparseable")
        return self._localize(result, tz_off), flags

    def _localize(self, result: pd.Series, tz_off: pd.Series) -> pd.Series:
        has_off = tz_off.notna()
        if has_off.any():
            off = tz_off[has_off].str.replace("Z", "+00:00").str.replace(
                r"([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
            sign = np.where(off.str[0] == "-", -1, 1)
            mins = off.str[1:3].astype(int) * 60 + off.str[-2:].astype(int)
            result[has_off] = result[has_off] - pd.to_timedelta(sign * mins, unit="min")
        if self.timezone:
            naive = ~has_off & result.notna()
            if naive.any():
                loc = result[naive].dt.tz_localize(self.timezone, ambiguous="NaT",
                                                   nonexistent="NaT")
                result[naive] = loc.dt.tz_convert("UTC").dt.tz_localize(None)
        return result


@cleaners.register("birth_date")
class BirthDateCleaner(DateCleaner):
    """:class:`DateCleaner` for dates of birth (``role="birth"``: future and age checks).

    Examples
    --------
    >>> v, x = BirthDateCleaner(reference_date="2024-01-01").transform_full(
    ...     pd.Series(["2030-01-01", "1850-05-05", "1984-03-07"]))
    >>> x["flag"].tolist()
    ['future', 'implausible', None]
    """

    def __init__(self, format: str | None = None, dayfirst: bool | None = None,
                 calendar: str = "gregorian", role: str = "birth",
                 reference_date: str | None = None, timezone: str | None = None,
                 placeholders: tuple = DEFAULT_PLACEHOLDERS):
        super().__init__(format=format, dayfirst=dayfirst, calendar=calendar, role=role,
                         reference_date=reference_date, timezone=timezone,
                         placeholders=placeholders)


@cleaners.register("datetime")
class DatetimeCleaner(DateCleaner):
    """:class:`DateCleaner` keeping the time of day (timestamps).

    Examples
    --------
    >>> DatetimeCleaner().transform(pd.Series(["2011-12-01 08:26"])).tolist()
    [Timestamp('2011-12-01 08:26:00')]
    """

    format_params = {"format": "datetime_format", "dayfirst": "dayfirst",
                     "calendar": "calendar", "timezone": "timezone"}

    def __init__(self, format: str | None = None, dayfirst: bool | None = None,
                 calendar: str = "gregorian", role: str = "datetime",
                 reference_date: str | None = None, timezone: str | None = None,
                 placeholders: tuple = DEFAULT_PLACEHOLDERS):
        super().__init__(format=format, dayfirst=dayfirst, calendar=calendar, role=role,
                         reference_date=reference_date, timezone=timezone,
                         placeholders=placeholders)

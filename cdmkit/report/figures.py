"""Key figures as report tables: what a stage recorded, put in words.

Examples
--------
>>> figures_table({"n_customers": 1200}).values.tolist()
[['Customers', '1,200']]
"""

from __future__ import annotations

import pandas as pd

from ..display import human_label

__all__ = ["figures_table"]


def figures_table(figures: dict, digits: int = 4) -> pd.DataFrame:
    """Key figures as a two-column table (``figure``, ``value``) for a report.

    Names are put in words (``n_invalid_emails`` → "Invalid emails"; a nested dict's
    keys follow its name: "Params: a"), whole numbers get thousands separators and other
    floats ``digits`` significant digits, missing values show as "—", so the report shows
    a readable table instead of a raw Python ``dict``.

    Examples
    --------
    >>> figures_table({"rows": 24967, "share": 0.123456, "ok": True,
    ...                "params": {"a": 1.5}, "auc": float("nan")}).values.tolist()
    [['Rows', '24,967'], ['Share', '0.1235'], ['Ok', 'yes'], ['Params: a', '1.5'],
     ['ROC AUC', '—']]
    """
    import numbers

    import numpy as np

    def fmt(v):
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, numbers.Integral):
            return f"{int(v):,}"
        if isinstance(v, numbers.Real):
            v = float(v)
            if v != v:
                return "—"
            if v.is_integer() and abs(v) < 1e15:
                return f"{int(v):,}"
            return f"{v:,.2f}" if abs(v) >= 10 ** digits else f"{v:.{digits}g}"
        if isinstance(v, (list, tuple)):
            return ", ".join(map(str, v))
        return "—" if v is None else str(v)

    rows = []

    def walk(prefix, d):
        for k, v in d.items():
            name = f"{prefix}{k}" if prefix else human_label(k)
            if isinstance(v, dict):
                walk(f"{name}: ", v)
            else:
                rows.append((name, fmt(v)))

    walk("", figures)
    return pd.DataFrame(rows, columns=["figure", "value"])

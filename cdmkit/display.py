"""Tables people can read: human column names, no index, one missing-value marker, scrolling.

Every stage notebook shows tables through :meth:`cdmkit.report.context.StageContext.show`,
which masks personal data and then renders here, so all reports look alike:

- column names in words (``n_customers`` → "Customers", ``p_alive`` → "P(alive)");
- the pandas index shown only when it carries information (a named index becomes
  an ordinary first column; a plain row number is dropped);
- one marker, "—", for every kind of missing value (NaN, None, NaT, <NA>);
- numbers with thousands separators and sensible decimals, yes/no for booleans;
- every row, in a box that scrolls when the table is wide or long (never cut to
  the first and last five rows).

Examples
--------
>>> import pandas as pd
>>> readable(pd.DataFrame({"n_customers": [1200, None], "share_revenue": [0.25, None]}))
  Customers Share of revenue
0     1,200             0.25
1         —                —
"""

from __future__ import annotations

import html
import json
import math
import numbers
import re
from datetime import date, datetime

import numpy as np
import pandas as pd

__all__ = ["MISSING", "human_label", "format_value", "readable", "display_frame",
           "table_html", "figures_frame", "money", "MODEL_LABELS", "PARAM_LABELS", "is_money",
           "client_currency", "NEUTRAL_CURRENCY"]

#: The one marker for a missing value in every report.
MISSING = "—"

#: Internal names with a human name that the generic rule would not find.
LABELS = {
    "customer_id": "Customer ID", "record_id": "Record ID", "household_id": "Household ID",
    "order_id": "Order ID", "product_id": "Product ID", "customer_ref": "Customer reference",
    "customer_source": "Customer source", "p_alive": "P(alive)", "clv": "CLV",
    "T": "Customer age (T)", "n_customers": "Customers", "n_records": "Records",
    "n_test": "Test customers", "n_train": "Training customers", "auc": "ROC AUC",
    "precision_at_k": "Precision at top k", "brier": "Brier score", "base_rate": "Base rate",
    "rfm_segment": "RFM segment", "monetary_value":
    "Average spend per repeat purchase", "expected_purchases": "Expected purchases",
    "expected_spend": "Expected spend per purchase", "churn_probability": "Churn probability",
    "mae": "MAE", "rmse": "RMSE", "pii_class": "Personal data class", "dtype": "Type",
    "canonical_field": "Mapped to", "log_likelihood": "Log-likelihood",
    "match_weight": "Match weight", "match_probability": "Match probability",
    "rows_in": "Rows in", "rows_clean": "Clean rows", "rows_rejected": "Rejected rows",
    "duplicates_removed": "Duplicates removed", "value": "Value", "figure": "Figure",
    "ari": "Adjusted Rand index", "k": "Clusters (k)", "id": "ID",
    # Key figures of the stages (summary tables).
    "n_purchase_lines": "Purchase lines", "observation_end": "Data up to",
    "returns_removed": "Return or cancellation lines removed", "n_cohorts": "Cohorts",
    "retention_period_1": "Buy again in the period after their first purchase",
    "retention_period_3": "Buy again three periods after their first purchase",
    "clv_main_model": "Model behind the CLV table", "clv_total": "CLV of all customers",
    "clv_mean": "CLV per customer (mean)", "mean_p_alive": "P(alive), mean",
    "holdout_mae": "Holdout error per customer (MAE)",
    "holdout_naive_mae": "Holdout error of the naive forecast (MAE)",
    "holdout_total_error_pct": "Holdout total purchases: error %",
    "churn_best_model": "Best churn model", "churn_auc": "Churn ROC AUC (test)",
    "churn_base_rate": "Churn base rate (test)", "churn_top_k": "Top k for precision",
    "n_copurchase_pairs": "Co-purchase pairs", "top_lift": "Highest lift",
    "top_lift_pair": "Pair with the highest lift", "busiest_month": "Busiest month",
    "busiest_weekday": "Busiest weekday", "time_unit": "Time unit",
    "busiest_year_month": "Busiest calendar month",
    # Model quality and drift figures (validation stage).
    "churn_auc_gbm": "Churn ROC AUC, gradient boosting",
    "churn_auc_logistic": "Churn ROC AUC, logistic regression",
    "churn_brier_gbm": "Churn Brier score, gradient boosting",
    "churn_brier_logistic": "Churn Brier score, logistic regression",
    "churn_calibration_gap": "Churn calibration gap (predicted vs observed)",
    "precision_at_k_gbm": "Precision at top k, gradient boosting",
    "precision_at_k_logistic": "Precision at top k, logistic regression",
    "holdout_rmse": "Holdout error per customer (RMSE)",
    "holdout_naive_rmse": "Holdout error of the naive forecast (RMSE)",
    "holdout_naive_total_error_pct": "Holdout total purchases, naive forecast: error %",
    "clv_holdout_error": "CLV holdout error", "segment_stability": "Segment stability",
    "stability_ari": "Cluster stability (adjusted Rand index)",
    "stability_min_ari": "Cluster stability, worst resample (adjusted Rand index)",
    "churn_probability_in_0_1": "Churn probabilities between 0 and 1",
    "clv_non_negative": "CLV never negative", "mean_churn_probability": "Mean churn probability",
    # The returns report (segmentation stage).
    "returns_rule": "Returns rule", "returns_lines_in": "Lines in",
    "returns_return_lines": "Return or cancellation lines (of customers)",
    "returns_matched_lines": "Returns matched in full to the order they cancel",
    "returns_partly_matched_lines": "Returns matched in part",
    "returns_unmatched_lines": "Returns matching no earlier order",
    "returns_matched_value": "Value netted against cancelled orders",
    "returns_unmatched_value": "Value of returns matching no order (left out)",
    "returns_lines_cancelled": "Order lines cancelled in full",
    "returns_lines_reduced": "Order lines reduced by a partial return",
    "returns_value_reduced": "Value taken off reduced order lines",
    "returns_netted": "Unmatched returns netted against the latest purchase",
    "returns_value_removed": "Value of all lines left out",
    "returns_non_product_lines": "Non-product lines", "returns_non_product_value":
    "Value of non-product lines", "returns_non_product_by_kind": "Non-product lines",
    "returns_no_customer": "Lines without a customer", "returns_no_date": "Lines without a date",
    "returns_customers_in": "Customers with any line",
    "returns_customers_with_purchases": "Customers with purchases after netting",
    "returns_customers_without_purchases": "Customers without purchases after netting",
    "returns_lines_left_out": "Returns and the order lines they cancel, left out",
    "freq": "Time unit of recency and T", "k_chosen": "Clusters chosen (k)",
    # Cluster number and cluster name must not both read "Cluster".
    "cluster": "Cluster number", "cluster_label": "Cluster",
    # Parameter estimates (CLV and retention models).
    "coef": "Estimate", "se(coef)": "Standard error", "lower 95% bound": "95% interval: lower",
    "upper 95% bound": "95% interval: upper", "parameter": "Parameter", "model": "Model",
    "converged": "Converged",
    # Co-purchase pairs.
    "item_a": "Item A", "item_b": "Item B", "name_a": "Name A", "name_b": "Name B",
    # Seasonality.
    "year_month": "Month", "per_year": "Purchases per covered month", "years": "Years of data",
    "coverage": "Share of the month in the data", "purchases": "Purchases",
}

#: Model keys -> the names people know them by (model columns and figures).
MODEL_LABELS = {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD", "gammagamma": "Gamma-Gamma",
                "mbgnbd": "MBG/NBD", "bgbb": "BG/BB", "sbg": "Shifted beta-geometric",
                "gbm": "Gradient boosting", "logistic": "Logistic regression",
                "kmeans": "k-means", "minibatch_kmeans": "k-means (mini-batch)",
                "gmm": "Gaussian mixture"}
#: Parameters of the CLV models, named by what they do (the CLV parameters table).
PARAM_LABELS = {"r": "r (purchase rate: shape)", "alpha": "α (purchase rate: scale)",
                "a": "a (drop-out: beta a)", "b": "b (drop-out: beta b)",
                "s": "s (lifetime: shape)", "beta": "β (lifetime: scale)",
                "p": "p (spend: shape)", "q": "q (spend heterogeneity: shape)",
                "v": "γ (spend heterogeneity: scale)", "log_likelihood": "Log-likelihood"}
# Columns whose values are model keys, or figure keys, rather than data.
_MODEL_COLUMNS = {"model", "best_model", "clv_main_model", "churn_best_model", "method"}
_KEY_COLUMNS = {"figure", "metric", "key", "kind"}
_FIGURE_VALUES = {"value", "previous", "current"}
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
_ACRONYMS = {"id": "ID", "clv": "CLV", "rfm": "RFM", "auc": "AUC", "mae": "MAE",
             "rmse": "RMSE", "psi": "PSI", "ks": "KS", "pii": "PII", "em": "EM", "url": "URL",
             "sku": "SKU", "gg": "Gamma-Gamma", "bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD",
             "f1": "F1", "ari": "ARI", "utc": "UTC", "csv": "CSV", "gbm": "gradient boosting",
             "se": "standard error", "ab": "A→B", "ba": "B→A"}


def human_label(name) -> str:
    """A column name in words.

    Examples
    --------
    >>> human_label("share_revenue"), human_label("recency_days_median"), human_label("n_events")
    ('Share of revenue', 'Recency days (median)', 'Events')
    >>> human_label("churn_auc_xgb"), human_label("p_alive")
    ('Churn AUC xgb', 'P(alive)')
    """
    s = str(name)
    if s in LABELS:
        return LABELS[s]
    suffix = ""
    for end, word in (("_mean", "mean"), ("_median", "median"), ("_pct", "%"), ("_min", "min"),
                      ("_max", "max"), ("_std", "std"), ("_l", "left"), ("_r", "right")):
        if s.endswith(end) and len(s) > len(end) + 1:
            s, suffix = s[: -len(end)], f" ({word})"
            break
    if s.startswith("share_"):
        s = "share of " + s[len("share_"):]
    elif s.startswith("n_") and len(s) > 2:
        s = s[2:]
    elif s.startswith("consent_"):
        s = "consent: " + s[len("consent_"):]
    words = [_ACRONYMS.get(w.lower(), w) for w in re.split(r"[_\s]+", s) if w]
    if not words:
        return str(name)
    text = " ".join(words)
    if text[:1].islower():
        text = text[0].upper() + text[1:]
    return text + suffix


def _missing(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)):
        return float(v) != float(v)  # NaN
    try:
        return bool(pd.isna(v)) if np.ndim(v) == 0 else False
    except (TypeError, ValueError):
        return False


def format_value(v, digits: int = 3) -> str:
    """One value as text: the missing marker, yes/no, separators, dates, short decimals.

    Examples
    --------
    >>> [format_value(x) for x in (None, float("nan"), pd.NaT, pd.NA, True, 1234567, 0.12345)]
    ['—', '—', '—', '—', 'yes', '1,234,567', '0.123']
    >>> format_value(pd.Timestamp("2024-03-01")), format_value(1234.5), format_value(-3.14159)
    ('2024-03-01', '1,234.50', '-3.14')
    """
    if isinstance(v, (list, tuple, set, np.ndarray)):
        return ", ".join(format_value(x, digits) for x in v) if len(v) else MISSING
    if isinstance(v, dict):
        return ", ".join(f"{k}: {format_value(x, digits)}" for k, x in v.items()) or MISSING
    if _missing(v):
        return MISSING
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, numbers.Integral):
        return f"{int(v):,}"
    if isinstance(v, numbers.Real):
        x = float(v)
        if math.isinf(x):
            return "∞" if x > 0 else "-∞"
        if x.is_integer() and abs(x) < 1e15:
            return f"{int(x):,}"
        if abs(x) >= 1:
            return f"{x:,.2f}"
        return f"{x:.{digits}g}"
    if isinstance(v, (pd.Timestamp, datetime)):
        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    s = str(v)
    if s.strip() in ("", "nan", "NaN", "None", "<NA>", "NaT"):
        return MISSING
    return s


#: Symbols of common ISO 4217 codes; other codes are written before the amount ("CHF 12.00").
CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥", "CNY": "¥", "INR": "₹",
                    "KRW": "₩", "ILS": "₪", "TRY": "₺", "RUB": "₽", "NGN": "₦", "VND": "₫",
                    "PHP": "₱", "UAH": "₴", "PLN": "zł "}
#: Shown when the client config names no currency (``formats.currency``): the generic
#: currency sign, so an amount never passes for a count, nor for pounds or dollars.
NEUTRAL_CURRENCY = "¤"
# Words that make a column a money column, and words that make it something else
# (a share of revenue, a count of lines, a model name, a rank...).
_MONEY_WORDS = {"spend", "revenue", "amount", "clv", "monetary", "price", "sales", "value"}
_NOT_MONEY_WORDS = {"share", "pct", "n", "count", "rank", "score", "corr", "rel", "width",
                    "lines", "line", "customers", "verdict", "model", "models", "probability",
                    "p", "quintile", "segment", "label", "interval", "error", "span", "by",
                    "kind", "rule", "retention", "weight", "days", "ratio", "lift"}


def is_money(name) -> bool:
    """Whether a column or figure name holds an amount of money.

    Examples
    --------
    >>> [is_money(c) for c in ("clv", "total_spend_mean", "share_revenue", "clv_main_model",
    ...                        "returns_matched_value", "n_customers", "value")]
    [True, True, False, False, True, False, False]
    """
    words = set(re.split(r"[_\s]+", str(name).lower()))
    return bool(words & _MONEY_WORDS) and not words & _NOT_MONEY_WORDS \
        and str(name).lower() != "value"


def money(v, currency: str | None = None) -> str:
    """An amount with the client's currency, two decimals and thousands separators.

    The one function every report, table and the overview use for money.
    ``currency`` is an ISO 4217 code (``GBP`` → £); ``None`` gives the neutral sign ¤.

    Examples
    --------
    >>> money(1234.5, "GBP"), money(-12, "EUR"), money(3.25, "CHF"), money(7.0)
    ('£1,234.50', '-€12.00', 'CHF 3.25', '¤7.00')
    >>> money(float("nan"), "GBP")
    '—'
    """
    if _missing(v) or isinstance(v, (str, bool, np.bool_)):
        return format_value(v)
    x = float(v)
    code = (currency or "").upper()
    sym = CURRENCY_SYMBOLS.get(code) or (f"{code} " if code else NEUTRAL_CURRENCY)
    sign = "-" if x < 0 else ""
    return f"{sign}{sym}{abs(x):,.2f}"


def client_currency(config) -> str | None:
    """The currency of a client's amounts: ``formats.currency`` of its transactions sources.

    ``config`` is a :class:`~cdmkit.config.ClientConfig` or its resolved dict. ``None``
    when no source names one, or when sources disagree (amounts are then not comparable,
    and no single sign would be true).

    Examples
    --------
    >>> client_currency({"sources": [{"kind": "transactions", "formats": {"currency": "gbp"}}]})
    'GBP'
    >>> client_currency({"sources": []}) is None
    True
    """
    sources = config.get("sources", []) if isinstance(config, dict) else \
        getattr(config, "sources", []) or []
    codes = set()
    for src in sources:
        get = src.get if isinstance(src, dict) else (lambda k, d=None, s=src: getattr(s, k, d))
        fmt = get("formats") or {}
        code = fmt.get("currency") if isinstance(fmt, dict) else getattr(fmt, "currency", None)
        if code and get("kind", "transactions") == "transactions":
            codes.add(str(code).upper())
    return codes.pop() if len(codes) == 1 else None


def _key_label(v) -> str:
    """A figure key in a table cell in words (other text as it is)."""
    if isinstance(v, str) and (v in LABELS or _SNAKE.fullmatch(v)):
        return human_label(v)
    if isinstance(v, str) and "." in v and _SNAKE.fullmatch(v.split(".", 1)[0]):
        head, rest = v.split(".", 1)  # a nested figure: "bgnbd_params.a"
        head = head[: -len("_params")] + "_parameter" if head.endswith("_params") else head
        return f"{human_label(head)}: {rest}"
    return format_value(v)


def _drop_plain_index(df: pd.DataFrame) -> pd.DataFrame:
    """The index as first column(s) when it carries information, else dropped."""
    names = [n for n in df.index.names if n is not None]
    if names:
        return df.reset_index()
    # An unnamed integer index is row positions (also after sorting): nothing for a reader.
    if isinstance(df.index, pd.RangeIndex) or pd.api.types.is_integer_dtype(df.index):
        return df.reset_index(drop=True)
    return df.reset_index(names="")


def readable(df: pd.DataFrame, *, labels: dict | None = None, digits: int = 3,
             currency: str | None = None) -> pd.DataFrame:
    """A copy of ``df`` for people: human column names, text values, the index as a column.

    Parameters
    ----------
    df : DataFrame
    labels : dict, optional
        Extra column name -> label (override the built-in ones).
    digits : int
        Significant digits of numbers below 1.
    currency : str, optional
        ISO code of the client's amounts: money columns (:func:`is_money`) carry it
        (the neutral ¤ when ``None``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"clv": [12.5]}, index=pd.Index(["C1"], name="customer_id"))
    >>> readable(df, currency="GBP").to_dict("records")
    [{'Customer ID': 'C1', 'CLV': '£12.50'}]
    >>> f = pd.DataFrame({"figure": ["clv_total", "n_customers"], "current": [10.0, 3]})
    >>> readable(f, currency="GBP")["Current"].tolist()
    ['£10.00', '3']
    """
    out = _drop_plain_index(df)
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" · ".join(str(c) for c in col if str(c)) for col in out.columns]
    names = {**LABELS, **(labels or {})}
    cols = [names.get(str(c)) or human_label(c) for c in out.columns]
    # Two columns may read alike ("x_mean" and "x mean"): keep them apart.
    seen: dict[str, int] = {}
    for i, c in enumerate(cols):
        seen[c] = seen.get(c, 0) + 1
        if seen[c] > 1:
            cols[i] = f"{c} ({seen[c]})"
    body = {}
    # Tables of figures (a "figure" column, values beside it): money rows carry the currency.
    keys = next((out[k] for k in out.columns if str(k) in ("figure", "metric")), None)
    money_rows = keys.map(is_money).to_numpy(dtype=bool) if keys is not None else None
    for i, c in enumerate(cols):
        col = out.iloc[:, i]
        if is_money(out.columns[i]) and pd.api.types.is_numeric_dtype(col) \
                and not pd.api.types.is_bool_dtype(col):
            body[c] = col.map(lambda v: money(v, currency))
        elif money_rows is not None and str(out.columns[i]) in _FIGURE_VALUES:
            body[c] = [money(v, currency) if m and isinstance(v, numbers.Real)
                       and not isinstance(v, (bool, np.bool_)) else format_value(v, digits)
                       for v, m in zip(col, money_rows)]
        elif str(out.columns[i]) in _MODEL_COLUMNS:
            body[c] = col.map(lambda v: MODEL_LABELS.get(v, format_value(v, digits))
                              if isinstance(v, str) else format_value(v, digits))
        elif str(out.columns[i]) in _KEY_COLUMNS:
            body[c] = col.map(_key_label)
        else:
            body[c] = col.map(lambda v: format_value(v, digits))
    return pd.DataFrame(body, index=range(len(out)))


# Text reads from the left (JupyterLab right-aligns every cell); long text wraps.
_TABLE_STYLE = ("<style>.cdmkit-table td, .cdmkit-table th {text-align: left !important; "
                "vertical-align: top;} .cdmkit-table td {max-width: 40em; white-space: normal;}"
                "</style>")


def table_html(df: pd.DataFrame, *, caption: str | None = None, note: str | None = None,
               max_height: str = "32em") -> str:
    """An HTML table of an already readable frame, in a box that scrolls.

    The style is inline, so the table scrolls in JupyterLab as in the HTML report.

    Examples
    --------
    >>> "overflow:auto" in table_html(pd.DataFrame({"A": ["1"]}))
    True
    """
    parts = [_TABLE_STYLE,
             '<div class="cdmkit-table" style="max-height:%s;max-width:100%%;overflow:auto;'
             'border:1px solid #e3e3e3;margin:0.3em 0 1em">' % max_height]
    parts.append(df.to_html(index=False, na_rep=MISSING, escape=True, border=0,
                            classes="dataframe cdmkit"))
    parts.append("</div>")
    head = ""
    if caption:
        head += f'<p style="margin:0.8em 0 0.2em"><strong>{html.escape(caption)}</strong></p>'
    if note:
        head += f'<p style="margin:0 0 0.2em;color:#555;font-size:0.9em">{html.escape(note)}</p>'
    return head + "".join(parts)


def display_frame(df: pd.DataFrame, n: int | None = None, caption: str | None = None,
                  labels: dict | None = None, total: int | None = None,
                  currency: str | None = None) -> None:
    """Display ``df`` readably in a notebook (no masking here: callers mask first).

    ``n`` limits the rows shown; a note then says how many there are (``total``,
    when ``df`` is already a cut of a longer table).

    Examples
    --------
    >>> display_frame(pd.DataFrame({"a": [1]}))  # doctest: +SKIP
    """
    shown = df.head(n) if n else df
    total = len(df) if total is None else total
    n = len(shown) if total > len(shown) else n
    note = f"First {len(shown):,} of {total:,} rows." if n and total > n else None
    text = table_html(readable(shown, labels=labels, currency=currency), caption=caption,
                      note=note)
    try:
        from IPython.display import HTML, display

        display(HTML(text))
    except ImportError:  # pragma: no cover - outside IPython
        print(readable(shown, labels=labels, currency=currency).to_string(index=False))


def figures_frame(figures: dict, labels: dict | None = None,
                  currency: str | None = None) -> pd.DataFrame:
    """Key figures as a two-column table of human names and formatted values.

    Nested dicts are flattened one level (``segment_sizes`` → one row per segment);
    lists are joined.

    Examples
    --------
    >>> f = {"n_customers": 1200, "silhouette": 0.2731, "sizes": {"a": 3}}
    >>> figures_frame(f).values.tolist()
    [['Customers', '1,200'], ['Silhouette', '0.273'], ['Sizes: a', '3']]
    >>> figures_frame({"clv_total": 1500.0}, currency="GBP").values.tolist()
    [['CLV of all customers', '£1,500.00']]
    """
    rows = []
    names = {**LABELS, **(labels or {})}
    for k, v in figures.items():
        label = names.get(k) or human_label(k)
        if isinstance(v, dict) and v and all(not isinstance(x, (dict, list)) for x in v.values()):
            rows += [(f"{label}: {kk}", format_value(x)) for kk, x in v.items()]
        elif isinstance(v, (dict, list)) and any(isinstance(x, (dict, list)) for x in
                                                 (v.values() if isinstance(v, dict) else v)):
            rows.append((label, json.dumps(v, ensure_ascii=False, default=str)[:200]))
        elif k in _MODEL_COLUMNS and isinstance(v, str):
            rows.append((label, MODEL_LABELS.get(v, v)))
        elif is_money(k) and isinstance(v, numbers.Real) and not isinstance(v, bool):
            rows.append((label, money(v, currency)))
        else:
            rows.append((label, format_value(v)))
    return pd.DataFrame(rows, columns=["Figure", "Value"])

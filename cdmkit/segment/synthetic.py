"""Seeded synthetic transactions with known behavioural groups (tests, benchmarks, teaching).

Four groups with distinct behaviour make a known answer for segmentation:
``loyal`` (many recent purchases, high spend, mostly web), ``occasional`` (a few
purchases, mid spend), ``one_off`` (a single purchase, low spend, mostly store)
and ``lapsed`` (several purchases that stopped early in the window). Generation
is fully vectorised, so tens of millions of lines take seconds.

Examples
--------
>>> tx, truth = simulate_transactions(200, seed=1)
>>> sorted(truth["group"].unique())
['lapsed', 'loyal', 'occasional', 'one_off']
>>> set(tx["customer_id"]) <= set(truth["customer_id"])
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["GROUPS", "simulate_transactions"]

#: group: (share of customers, mean purchases, mean line value, web share, active-window end)
GROUPS = {
    "loyal": (0.15, 14.0, 80.0, 0.8, 1.0),
    "occasional": (0.35, 3.0, 45.0, 0.5, 1.0),
    "one_off": (0.35, 1.0, 25.0, 0.2, 1.0),
    "lapsed": (0.15, 5.0, 40.0, 0.5, 0.35),
}
_CATEGORIES = np.array(["books", "toys", "garden", "kitchen", "fashion", "electronics"])
_CAT_PREF = {"loyal": [0.1, 0.1, 0.1, 0.2, 0.2, 0.3], "occasional": [0.3, 0.2, 0.1, 0.2, 0.1,
                                                                      0.1],
             "one_off": [0.2, 0.4, 0.1, 0.1, 0.1, 0.1], "lapsed": [0.1, 0.1, 0.4, 0.2, 0.1,
                                                                   0.1]}


def simulate_transactions(n_customers: int = 1000, lines_per_customer: float | None = None,
                          start: str = "2023-01-01", days: int = 365, seed: int = 0,
                          integer_ids: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transactions of ``n_customers`` customers in four behavioural groups.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    lines_per_customer : float, optional
        Scale purchase counts so the average customer has this many lines
        (e.g. 20 for a 1M customers / 20M lines benchmark); default the groups' own rates.
    start : str
        First day of the window.
    days : int
        Length of the window in days.
    seed : int
        Random seed.
    integer_ids : bool
        Integer customer and order IDs (lighter for tens of millions of rows)
        instead of text IDs such as ``C000042``.

    Returns
    -------
    transactions : DataFrame
        ``customer_id``, ``order_id``, ``timestamp``, ``amount``, ``quantity``,
        ``channel``, ``category``; one order per line.
    truth : DataFrame
        ``customer_id`` and ``group`` of every customer.

    Examples
    --------
    >>> tx, _ = simulate_transactions(50, lines_per_customer=10, seed=0)
    >>> 300 < len(tx) < 700
    True
    """
    rng = np.random.default_rng(seed)
    names = list(GROUPS)
    shares = np.array([GROUPS[g][0] for g in names])
    group = rng.choice(len(names), size=n_customers, p=shares / shares.sum())
    mean_n = np.array([GROUPS[g][1] for g in names])
    if lines_per_customer:
        scale = lines_per_customer / float((shares * mean_n).sum())
        mean_n = np.where(np.array(names) == "one_off", 1.0, mean_n * scale)
    n_per = np.where(np.array(names)[group] == "one_off", 1,
                     1 + rng.poisson(np.maximum(mean_n[group] - 1, 0)))
    cust = np.repeat(np.arange(n_customers), n_per)
    g = group[cust]
    n = len(cust)
    # Each customer is active from a random first day to the end of their group's window.
    first = rng.uniform(0, 0.6, n_customers)
    end = np.array([GROUPS[x][4] for x in names])[group]
    first = np.minimum(first, end - 0.05)
    u = rng.uniform(size=n)
    pos = first[cust] + u * (end[group][cust] - first[cust])
    # one-off customers buy once, late or early at random
    pos = np.where(np.array(names)[g] == "one_off", rng.uniform(0, 1, n), pos)
    ts = pd.Timestamp(start) + pd.to_timedelta((pos * days * 86400).astype(np.int64), "s")
    value = rng.lognormal(np.log(np.array([GROUPS[x][2] for x in names])[g]), 0.5).round(2)
    web = rng.uniform(size=n) < np.array([GROUPS[x][3] for x in names])[g]
    cat_p = np.array([_CAT_PREF[x] for x in names])
    cum = cat_p.cumsum(axis=1)[g]
    cat = (rng.uniform(size=n)[:, None] > cum).sum(axis=1).clip(0, len(_CATEGORIES) - 1)
    if integer_ids:
        ids, orders = np.arange(n_customers), np.arange(n)
    else:
        width = max(6, len(str(n_customers)))
        ids = np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), width))
        orders = np.char.add("O", np.arange(n).astype(str))
    tx = pd.DataFrame({
        "customer_id": ids[cust],
        "order_id": orders,
        "timestamp": ts,
        "amount": value,
        "quantity": 1.0,
        "channel": pd.Categorical.from_codes(web.astype(np.int8), ["store", "web"]),
        "category": pd.Categorical.from_codes(cat.astype(np.int8), list(_CATEGORIES)),
    })
    truth = pd.DataFrame({"customer_id": ids, "group": np.array(names)[group]})
    return tx, truth

"""Web behaviour of the fictional company's customers: sessions planned, then expanded.

:func:`plan_events` draws each person's web sessions (active web buyers browse more,
browsing stops some months after their last purchase); :func:`iter_events` expands them
into page views, clicks, searches and downloads chunk by chunk, so a million persons'
events stream to a file without being held in memory.

Examples
--------
>>> plan = EventPlan(np.array([0]), np.array([0]), np.array(["A1"], dtype=object),
...                  np.array(["mobile"], dtype=object), 1, 10**13)
>>> next(iter_events(plan))["account_id"].unique().tolist()
['A1']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalog import CATALOG

__all__ = ["EVENT_CHUNK", "EventPlan", "plan_events", "iter_events"]

_PAGES_BY_TYPE = {
    "page_view": ["/", "/product/", "/category/", "/offers", "/basket", "/account"],
    "click": ["/product/", "/basket", "/checkout", "/offers"],
    "download": ["/downloads/catalogue.pdf", "/downloads/size-guide.pdf",
                 "/downloads/invoice.pdf"],
    "search": ["/search?q="],
}
_SEARCH_TERMS = np.array(["tea", "scarf", "gift", "mug", "saffron", "speaker", "yoga", "puzzle",
                          "sale", "book"], dtype=object)


#: Sessions expanded into events per chunk (bounds memory for a million persons).
EVENT_CHUNK = 200_000


@dataclass
class EventPlan:
    """Web sessions of every person, ready to be expanded into events chunk by chunk.

    Attributes
    ----------
    person : numpy.ndarray
        Person index of each session (sessions sorted by start time).
    start_ns : numpy.ndarray
        Session start (ns since epoch).
    account : numpy.ndarray
        Webshop account of each person.
    device : numpy.ndarray
        Preferred device of each person.
    seed : int
        Seed of the event draws.
    end_ns : int
        Last instant of the window.
    block : int
        Block number of the persons.
    event_offset, session_offset : int
        Events and sessions of earlier blocks (ids continue after them).

    Examples
    --------
    >>> EventPlan(np.array([], int), np.array([], int), np.array([]), np.array([]), 1, 0).n_sessions
    0
    """

    person: np.ndarray
    start_ns: np.ndarray
    account: np.ndarray
    device: np.ndarray
    seed: int
    end_ns: int
    block: int = 0
    event_offset: int = 0
    session_offset: int = 0

    @property
    def n_sessions(self) -> int:
        """Number of planned sessions.

        Examples
        --------
        >>> EventPlan(np.array([3]), np.array([0]), np.array([]), np.array([]), 1, 0).n_sessions
        1
        """
        return len(self.person)


def plan_events(f, buys, is_web, web_key, seed, end_ts, block: int = 0, event_offset: int = 0,
                session_offset: int = 0) -> EventPlan:
    """Draw web sessions: active web buyers browse more, browsing stops after they leave.

    Examples
    --------
    >>> from cdmkit.generate.activity import simulate_purchases
    >>> from cdmkit.generate.people import make_people
    >>> p = make_people(150, 2, {"en": 1.0}, pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31"))
    >>> b = simulate_purchases(p, 2, "2023-01-01", "2023-12-31")
    >>> key = np.array(["A%d" % i for i in range(150)], dtype=object)
    >>> plan = plan_events(p.frame, b, np.ones(len(b), bool), key, 2, pd.Timestamp("2023-12-31"))
    >>> plan.n_sessions > 150
    True
    """
    rng = np.random.default_rng([seed, 43, block])
    n = len(f)
    has = pd.notna(web_key)
    web_orders = np.bincount(buys["person_idx"].to_numpy()[is_web], minlength=n)
    rate = np.where(has, 0.4 + 0.8 * web_orders, 0.0)
    n_sessions = np.minimum(rng.poisson(rate), 40)
    sess_person = np.repeat(np.arange(n), n_sessions)
    # sessions between acquisition and (last purchase + 90 days) or the end
    last_buy = buys.groupby("person_idx")["timestamp"].max().reindex(np.arange(n))
    end_ns = int(pd.Timestamp(end_ts).value)
    stop = np.where(last_buy.notna(), (last_buy + pd.Timedelta(days=90)).to_numpy()
                    .astype("datetime64[ns]").astype(np.int64), end_ns)
    stop = np.minimum(stop.astype(np.int64), end_ns)
    acq = f["acquired"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    a = acq[sess_person]
    b = np.maximum(stop[sess_person], a)
    t = a + (rng.random(len(sess_person)) * (b - a)).astype(np.int64)
    order = np.argsort(t, kind="stable")
    device = rng.choice(np.array(["mobile", "desktop", "tablet"], dtype=object), n,
                        p=[0.55, 0.35, 0.10])
    return EventPlan(person=sess_person[order], start_ns=t[order], account=web_key,
                     device=device, seed=seed, end_ns=end_ns, block=block,
                     event_offset=event_offset, session_offset=session_offset)


def iter_events(plan: EventPlan, chunk: int = EVENT_CHUNK):
    """Expand sessions into events, ``chunk`` sessions at a time (ids continue across chunks).

    Yields
    ------
    pandas.DataFrame
        ``event_id, account_id, timestamp, event_type, page, device, session_id``.

    Examples
    --------
    >>> plan = EventPlan(np.array([0, 0]), np.array([0, 10**12]), np.array(["A1"], dtype=object),
    ...                  np.array(["mobile"], dtype=object), 1, 10**13)
    >>> ev = pd.concat(iter_events(plan))
    >>> set(ev["session_id"]) == {"S700001", "S700002"}
    True
    """
    first_id = plan.event_offset
    cats = CATALOG["category"].str.lower().str.replace(r"[^a-z]+", "-", regex=True).unique()
    for c, lo in enumerate(range(0, plan.n_sessions, chunk)):
        rng = np.random.default_rng([plan.seed, 47, plan.block, c])
        hi = min(lo + chunk, plan.n_sessions)
        sp, t = plan.person[lo:hi], plan.start_ns[lo:hi]
        n_ev = 1 + rng.poisson(1.5, hi - lo)
        ev_sess = np.repeat(np.arange(hi - lo), n_ev)
        m = len(ev_sess)
        offset = np.arange(m) - np.repeat(np.cumsum(n_ev) - n_ev, n_ev)
        ts = t[ev_sess] + offset * rng.integers(5, 240, m) * 1_000_000_000
        etype = rng.choice(np.array(["page_view", "click", "search", "download"], dtype=object),
                           m, p=[0.6, 0.25, 0.11, 0.04])
        page = np.empty(m, dtype=object)
        u = rng.random(m)
        for t_name, pages in _PAGES_BY_TYPE.items():
            sel = etype == t_name
            page[sel] = np.array(pages, dtype=object)[(u[sel] * len(pages)).astype(int)]
        sku = CATALOG["product_id"].to_numpy()[rng.integers(0, len(CATALOG), m)]
        page = np.where(page == "/product/", page + sku, page)
        page = np.where(page == "/category/", page + rng.choice(cats, m), page)
        page = np.where(page == "/search?q=", page + rng.choice(_SEARCH_TERMS, m), page)
        dev = plan.device[sp][ev_sess]
        dev = np.where(rng.random(m) < 0.15, "desktop", dev)
        keep = ts <= plan.end_ns
        ev = pd.DataFrame({"ts": ts, "account_id": plan.account[sp][ev_sess],
                           "event_type": etype, "page": page, "device": dev,
                           "session": ev_sess + lo})[keep]
        ev = ev.sort_values(["ts", "session"], kind="stable")
        ev.insert(0, "event_id", np.char.add("EV", (10000001 + first_id + np.arange(len(ev)))
                                             .astype(str)))
        first_id += len(ev)
        ev["session_id"] = np.char.add("S", (ev["session"].to_numpy() + 700001
                                             + plan.session_offset).astype(str))
        ev["timestamp"] = pd.to_datetime(ev["ts"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
        yield ev[["event_id", "account_id", "timestamp", "event_type", "page", "device",
                  "session_id"]].reset_index(drop=True)

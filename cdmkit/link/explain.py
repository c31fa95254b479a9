"""Why two records matched: the weight each comparison contributed (table and waterfall plot).

The rows of :func:`explain_pair` are the prior, then each comparison's level
weight and, where used, its term-frequency adjustment, and finally the
*household alternative* (how much the chance that the two are relatives, not
one person, takes away) and, where one applies, the *family rule* that keeps two
relatives apart (a different given name, birth dates a generation apart); their ``weight`` column sums exactly to the pair's
match weight.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.link import score_and_cluster
>>> rec = pd.DataFrame({"record_id": ["1", "2", "3"], "first_name": ["Ann", "Ann", "Bo"],
...                     "last_name": ["Lee", "Lee", "Lee"], "email": ["a@x", "a@x", "b@y"]})
>>> s = score_and_cluster(rec)
>>> t = explain_pair(s, 0)
>>> bool(abs(t["weight"].sum() - s.match_weight[0]) < 1e-9)
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["explain_pair", "waterfall_plot", "pair_records", "example_pairs"]


def explain_pair(scored, pair: int, values: bool = False) -> pd.DataFrame:
    """Weight table of one scored pair.

    Parameters
    ----------
    scored : ScoredLinkage
        From :func:`cdmkit.link.score_and_cluster` (or ``LinkageResult.scored``).
    pair : int
        Row number of the pair in ``scored.pairs`` / ``result.pairs``.
    values : bool
        Add the compared values (raw personal data: only for private use).

    Returns
    -------
    DataFrame
        ``component``, ``level``, ``level_name``, ``weight`` (bits), ``cumulative``,
        ``probability`` (running match probability).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link import score_and_cluster
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> explain_pair(s, 0)["component"].tolist()
    ['prior', 'email']
    """
    g = scored.gamma[pair: pair + 1]
    tf = scored.tf[pair: pair + 1]
    w, adj = scored.model.contributions(g, tf)
    rows = [{"component": "prior", "level": None, "level_name": "",
             "weight": float(scored.model.prior_)}]
    i, j = scored.pairs[pair]
    for k, spec in enumerate(scored.settings.comparisons):
        lv = int(g[0, k])
        row = {"component": spec.name, "level": lv,
               "level_name": "missing" if lv < 0 else scored.comparators[k].level_names[lv],
               "weight": float(w[0, k])}
        if values:
            row["value_l"] = scored.records[spec.column].iloc[i]
            row["value_r"] = scored.records[spec.column].iloc[j]
        rows.append(row)
        if adj[0, k] != 0:
            rows.append({"component": f"{spec.name} (term frequency)", "level": lv,
                         "level_name": "tf adjustment", "weight": float(adj[0, k])})
    hh = float(scored.model.household_term(g, tf)[0])
    if hh != 0:
        rows.append({"component": "household alternative", "level": None,
                     "level_name": "relatives sharing these fields", "weight": hh})
    hit = int(scored.model.family_hits(g)[0])
    if hit >= 0:
        rule = scored.model.family_rules_[hit]
        rows.append({"component": f"family rule: {rule['name']}", "level": None,
                     "level_name": "relatives, never one customer",
                     "weight": float(scored.model.family_term(g)[0])})
    out = pd.DataFrame(rows)
    out["cumulative"] = out["weight"].cumsum()
    out["probability"] = 1.0 / (1.0 + np.exp2(-out["cumulative"]))
    return out


def example_pairs(scored) -> dict:
    """Pairs worth explaining: the strongest link, the pair closest to the threshold and the
    pair most clearly kept apart as relatives (a link without the household alternative).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link import score_and_cluster
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> sorted(example_pairs(s))
    ['closest to the threshold', 'strongest link']
    """
    out = {}
    w = np.asarray(scored.match_weight)
    if not len(w):
        return out
    out["strongest link"] = int(np.argmax(w))
    out["closest to the threshold"] = int(np.argmin(np.abs(w - scored.threshold_weight)))
    hh = scored.model.household_term(scored.gamma, scored.tf)
    kept_apart = (w < scored.threshold_weight) & (w - hh >= scored.threshold_weight)
    if kept_apart.any():
        idx = np.flatnonzero(kept_apart)
        out["kept apart as relatives"] = int(idx[np.argmin(hh[idx])])
    return out


def pair_records(scored, pair: int, columns=None) -> pd.DataFrame:
    """The two records of a pair, one row each, with canonical column names (mask before showing).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link import score_and_cluster
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> pair_records(s, 0)["side"].tolist()
    ['left', 'right']
    """
    i, j = scored.pairs[pair]
    # internal derived keys (``_lk_*``) are not record fields: never shown to people
    cols = columns or ["source", "record_id"] + list(dict.fromkeys(
        c.column for c in scored.settings.comparisons if not c.column.startswith("_lk_")))
    out = scored.records.iloc[[i, j]][cols].reset_index(drop=True)
    out.insert(0, "side", ["left", "right"])
    return out


def waterfall_plot(table: pd.DataFrame, ax=None, title: str | None = None):
    """Waterfall chart of an :func:`explain_pair` table; returns the matplotlib Figure.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"component": ["prior", "name"], "weight": [-3.0, 8.0]})
    >>> t["cumulative"] = t["weight"].cumsum()
    >>> waterfall_plot(t).axes[0].get_ylabel()
    'match weight (bits)'
    """
    import matplotlib.pyplot as plt

    own_figure = ax is None
    if own_figure:
        fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(table) + 2), 3.5))
    else:
        fig = ax.figure
    cum = table["cumulative"].to_numpy()
    start = np.r_[0.0, cum[:-1]]
    w = table["weight"].to_numpy()
    colors = np.where(w >= 0, "#2a9d8f", "#e76f51")
    x = np.arange(len(table) + 1)
    ax.bar(x[:-1], w, bottom=start, color=colors, edgecolor="black", linewidth=0.5)
    ax.bar(x[-1], cum[-1], color="#264653")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(list(table["component"]) + ["match weight"], rotation=35, ha="right")
    ax.set_ylabel("match weight (bits)")
    for xi, wi, top in zip(x[:-1], w, start + w):
        ax.annotate(f"{wi:+.1f}", (xi, top), ha="center",
                    va="bottom" if wi >= 0 else "top", fontsize=8)
    prob = 1.0 / (1.0 + 2.0 ** (-cum[-1]))
    ax.set_title(title or f"Match weight {cum[-1]:.1f} bits (probability {prob:.3f})")
    fig.tight_layout()
    if own_figure:
        plt.close(fig)  # returned for display: an open figure would be shown twice
    return fig

"""Linkage quality against ground truth: pairwise precision, recall, F1 and blocking recall.

Pairwise scores count record pairs: a predicted pair is two records in one
predicted cluster, a true pair two records of one true entity. With
``link_only`` only pairs across sources count (as when linking two files).
Everything is computed from cluster-size contingency counts, never by
materialising the pairs.

Examples
--------
>>> import numpy as np
>>> s = pairwise_scores(np.array([0, 0, 1, 1]), np.array(["a", "a", "a", "b"]))
>>> s["tp"], s["fp"], s["fn"]
(1, 1, 2)
>>> round(s["f1"], 3)
0.4
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["pairwise_scores", "scores_by_group", "blocking_recall", "true_pairs",
           "load_ground_truth", "truth_for"]


def _pairs_in_groups(df: pd.DataFrame, by: list[str], source: str | None) -> int:
    n = df.groupby(by, sort=False).size().to_numpy().astype(np.int64)
    total = int((n * (n - 1) // 2).sum())
    if source is None:
        return total
    ns = df.groupby(by + [source], sort=False).size().to_numpy().astype(np.int64)
    return total - int((ns * (ns - 1) // 2).sum())


def true_pairs(truth, sources=None, link_only: bool = False) -> int:
    """Number of true record pairs (across sources only when ``link_only``).

    Examples
    --------
    >>> true_pairs(["a", "a", "a"], ["x", "y", "y"], link_only=True)
    2
    """
    df = pd.DataFrame({"t": pd.Series(truth).to_numpy()})
    if link_only:
        df["s"] = pd.Series(sources).to_numpy()
    return _pairs_in_groups(df, ["t"], "s" if link_only else None)


def pairwise_scores(pred, truth, sources=None, link_only: bool = False) -> dict:
    """Pairwise precision, recall and F1 of a clustering against true entities.

    Parameters
    ----------
    pred : array-like
        Predicted cluster of each record.
    truth : array-like
        True entity of each record (records without one should get a unique value).
    sources : array-like, optional
        Source of each record (needed for ``link_only``).
    link_only : bool
        Count only pairs across sources.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``tp``, ``fp``, ``fn``.

    Examples
    --------
    >>> pairwise_scores([0, 0, 1], ["a", "a", "b"])["f1"]
    1.0
    """
    df = pd.DataFrame({"p": pd.Series(pred).to_numpy(), "t": pd.Series(truth).to_numpy()})
    src = None
    if link_only:
        df["s"] = pd.Series(sources).to_numpy()
        src = "s"
    tp = _pairs_in_groups(df, ["p", "t"], src)
    pp = _pairs_in_groups(df, ["p"], src)
    tt = _pairs_in_groups(df, ["t"], src)
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1),
            "tp": int(tp), "fp": int(pp - tp), "fn": int(tt - tp)}


def scores_by_group(pred, truth, group) -> pd.DataFrame:
    """Pairwise precision, recall and F1 per group of true entities (e.g. per locale).

    A predicted pair counts for a group when at least one of its records belongs to it
    (a wrong link between two groups costs both); true pairs lie within one group.

    Parameters
    ----------
    pred, truth : array-like
        Predicted cluster and true entity of each record.
    group : array-like
        Group of each record (of its true entity).

    Returns
    -------
    DataFrame
        ``group``, ``records``, ``precision``, ``recall``, ``f1``, ``tp``, ``fp``, ``fn``.

    Examples
    --------
    >>> t = scores_by_group([0, 0, 1, 1, 2], ["a", "a", "b", "c", "c"],
    ...                     ["en", "en", "fa", "fa", "fa"])
    >>> t[["group", "precision", "recall"]].values.tolist()
    [['en', 1.0, 1.0], ['fa', 0.0, 0.0]]
    """
    df = pd.DataFrame({"p": pd.Series(pred).to_numpy(), "t": pd.Series(truth).to_numpy(),
                       "g": pd.Series(group).to_numpy()})
    pp_all = _pairs_in_groups(df, ["p"], None)
    rows = []
    for g, part in df.groupby("g", sort=True):
        rest = df[df["g"] != g]
        tp = _pairs_in_groups(part, ["p", "t"], None)
        pp = pp_all - _pairs_in_groups(rest, ["p"], None)
        tt = _pairs_in_groups(part, ["t"], None)
        precision = tp / pp if pp else 1.0
        recall = tp / tt if tt else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"group": g, "records": len(part), "precision": float(precision),
                     "recall": float(recall), "f1": float(f1), "tp": int(tp),
                     "fp": int(pp - tp), "fn": int(tt - tp)})
    return pd.DataFrame(rows, columns=["group", "records", "precision", "recall", "f1", "tp",
                                       "fp", "fn"])


def blocking_recall(pairs: np.ndarray, truth, sources=None, link_only: bool = False) -> float:
    """Share of the true pairs that are among the candidate ``pairs`` (record positions).

    Examples
    --------
    >>> import numpy as np
    >>> blocking_recall(np.array([[0, 1]]), ["a", "a", "a"])
    0.3333333333333333
    """
    t = pd.Series(truth).to_numpy()
    pairs = np.asarray(pairs).reshape(-1, 2)
    hits = t[pairs[:, 0]] == t[pairs[:, 1]]
    if link_only:
        s = pd.Series(sources).to_numpy()
        hits &= s[pairs[:, 0]] != s[pairs[:, 1]]
    total = true_pairs(truth, sources, link_only)
    return float(hits.sum() / total) if total else 1.0


def load_ground_truth(path) -> pd.DataFrame:
    """Read a ground-truth CSV (``source``, ``record_id``, ``person_id``[, ``household_id``]).

    Raises
    ------
    cdmkit.errors.InputError
        When a required column is missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("source,record_id,person_id\\nshop,1,P1\\n")
    >>> load_ground_truth(p)["person_id"].tolist()
    ['P1']
    """
    from ..errors import InputError

    df = pd.read_csv(path, dtype=str)
    missing = {"source", "record_id", "person_id"} - set(df.columns)
    if missing:
        raise InputError(path, f"ground truth needs columns {', '.join(sorted(missing))}")
    return df


def truth_for(records: pd.DataFrame, truth: pd.DataFrame, column: str = "person_id") -> np.ndarray:
    """True entity of each record (aligned); records not in ``truth`` get a unique value.

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"source": ["s", "s"], "record_id": ["1", "2"]})
    >>> t = pd.DataFrame({"source": ["s"], "record_id": ["1"], "person_id": ["P"]})
    >>> truth_for(rec, t).tolist()
    ['P', '__unknown_1']
    """
    key = ["source", "record_id"]
    left = records[key].astype(str).reset_index(drop=True)
    right = truth[key + [column]].astype(str).drop_duplicates(key)
    m = left.merge(right, on=key, how="left")
    out = m[column].astype(object)
    miss = out.isna() | (out == "nan")
    out[miss] = ["__unknown_" + str(i) for i in np.flatnonzero(miss.to_numpy())]
    return out.to_numpy()

"""Linkage quality: pairwise precision/recall/F1 against labels, or unsupervised diagnostics.

With known identities (``ground_truth``: ``source``, ``record_id``,
``person_id``) the clusters are scored pairwise: a pair of records is a true
match when both carry the same person, a predicted match when both carry the
same ``customer_id``. The counts come from the contingency table of
``customer_id`` by ``person_id`` (``sum C(n, 2)``), so no pair list is built.
Without labels: the cluster-size distribution, the share of records in
singleton clusters, and suspicious clusters whose records carry conflicting
birth dates or e-mails (an e-mail conflict is often a person's work and private
address; a birth-date conflict is more often a wrong merge).

Examples
--------
>>> import pandas as pd
>>> cmap = pd.DataFrame({"source": ["a", "a", "b", "b"], "record_id": ["1", "2", "1", "2"],
...                      "customer_id": ["C1", "C1", "C1", "C2"]})
>>> truth = pd.DataFrame({"source": ["a", "a", "b", "b"], "record_id": ["1", "2", "1", "2"],
...                       "person_id": ["P1", "P1", "P2", "P2"]})
>>> m = pairwise_metrics(cmap, truth)
>>> m["precision"], m["recall"]
(0.3333333333333333, 0.5)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["LinkageQuality", "linkage_quality", "pairwise_metrics", "cluster_sizes",
           "suspicious_clusters"]


def _pairs(counts: pd.Series) -> int:
    c = counts.astype("int64")
    return int((c * (c - 1) // 2).sum())


def pairwise_metrics(customer_map: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """Pairwise precision, recall and F1 of the clustering against known identities.

    Only records present in both tables count.

    Examples
    --------
    >>> import pandas as pd
    >>> cm = pd.DataFrame({"source": ["a"] * 2, "record_id": ["1", "2"],
    ...                    "customer_id": ["X", "X"]})
    >>> pairwise_metrics(cm, cm.rename(columns={"customer_id": "person_id"}))["f1"]
    1.0
    """
    key = ["source", "record_id"]
    a = customer_map[key + ["customer_id"]].astype(str)
    b = truth[key + ["person_id"]].astype(str)
    m = a.merge(b, on=key, how="inner")
    tp = _pairs(m.groupby(["customer_id", "person_id"]).size())
    pred = _pairs(m.groupby("customer_id").size())
    true = _pairs(m.groupby("person_id").size())
    precision = tp / pred if pred else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"records_labelled": int(len(m)), "true_pairs": true, "predicted_pairs": pred,
            "true_positive_pairs": tp, "precision": precision, "recall": recall, "f1": f1}


def cluster_sizes(customer_map: pd.DataFrame) -> pd.DataFrame:
    """Number of clusters (customers) by size (records per customer).

    Examples
    --------
    >>> import pandas as pd
    >>> cluster_sizes(pd.DataFrame({"customer_id": ["a", "a", "b"]})).values.tolist()
    [[1, 1, 1], [2, 1, 2]]
    """
    sizes = customer_map.groupby("customer_id").size()
    dist = sizes.value_counts().sort_index()
    out = pd.DataFrame({"size": dist.index.astype(int), "clusters": dist.values.astype(int)})
    out["records"] = out["size"] * out["clusters"]
    return out


def suspicious_clusters(customer_map: pd.DataFrame, customers: pd.DataFrame,
                        fields=("birth_date", "email")) -> pd.DataFrame:
    """Customers whose records disagree on ``fields`` (distinct non-empty values > 1).

    Returns
    -------
    DataFrame
        ``customer_id``, ``field``, ``distinct_values``, ``records``.

    Examples
    --------
    >>> import pandas as pd
    >>> cm = pd.DataFrame({"source": ["a", "b"], "record_id": ["1", "1"],
    ...                    "customer_id": ["C", "C"]})
    >>> cu = pd.DataFrame({"source": ["a", "b"], "record_id": ["1", "1"],
    ...                    "birth_date": ["1980-01-01", "1991-05-05"]})
    >>> suspicious_clusters(cm, cu)[["customer_id", "field", "distinct_values"]].values.tolist()
    [['C', 'birth_date', 2]]
    """
    cols = ["customer_id", "field", "distinct_values", "records"]
    fields = [f for f in fields if f in customers.columns]
    if not fields:
        return pd.DataFrame(columns=cols)
    key = ["source", "record_id"]
    cu = customers[key + fields].copy()
    cu[key] = cu[key].astype(str)
    cm = customer_map[key + ["customer_id"]].copy()
    cm[key] = cm[key].astype(str)
    m = cm.merge(cu, on=key, how="inner")
    records = m.groupby("customer_id").size()
    parts = []
    for f in fields:
        v = m[f]
        if pd.api.types.is_datetime64_any_dtype(v):
            v = v.dt.strftime("%Y-%m-%d")
        v = v.astype("string").str.strip().str.lower()
        d = pd.DataFrame({"customer_id": m["customer_id"], "v": v}).dropna()
        d = d[d["v"] != ""]
        n = d.groupby("customer_id")["v"].nunique()
        n = n[n > 1]
        parts.append(pd.DataFrame({"customer_id": n.index, "field": f,
                                   "distinct_values": n.values.astype(int),
                                   "records": records.reindex(n.index).values.astype(int)}))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    return out.sort_values(["field", "distinct_values", "customer_id"],
                           ascending=[True, False, True]).reset_index(drop=True)


@dataclass
class LinkageQuality:
    """Linkage diagnostics.

    Examples
    --------
    >>> LinkageQuality({"n_records": 0}).metrics["n_records"]
    0
    """

    metrics: dict
    sizes: pd.DataFrame = field(default_factory=pd.DataFrame)
    suspicious: pd.DataFrame = field(default_factory=pd.DataFrame)

    def metrics_frame(self) -> pd.DataFrame:
        """The metrics as a two-column table (``metric``, ``value``).

        Examples
        --------
        >>> LinkageQuality({"n_records": 3}).metrics_frame().values.tolist()
        [['n_records', 3]]
        """
        return pd.DataFrame({"metric": list(self.metrics), "value": list(self.metrics.values())})

    def figures(self) -> dict:
        """Key figures for ``summary.json``."""
        return {f"linkage_{k}": v for k, v in self.metrics.items()}


def linkage_quality(customer_map: pd.DataFrame, customers: pd.DataFrame | None = None,
                    truth: pd.DataFrame | None = None) -> LinkageQuality:
    """Linkage diagnostics of a ``customer_map`` (with labels when ``truth`` is given).

    Parameters
    ----------
    customer_map : DataFrame
        ``source``, ``record_id``, ``customer_id``.
    customers : DataFrame, optional
        Customer records (for suspicious clusters).
    truth : DataFrame, optional
        ``source``, ``record_id``, ``person_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> cm = pd.DataFrame({"source": ["a", "a", "b"], "record_id": ["1", "2", "1"],
    ...                    "customer_id": ["C1", "C1", "C2"]})
    >>> q = linkage_quality(cm)
    >>> q.metrics["n_customers"], round(q.metrics["singleton_share"], 3)
    (2, 0.333)
    """
    sizes = cluster_sizes(customer_map)
    n = int(len(customer_map))
    single = int(sizes.loc[sizes["size"] == 1, "records"].sum())
    metrics = {"n_records": n, "n_customers": int(sizes["clusters"].sum()),
               "singleton_share": single / n if n else 0.0,
               "max_cluster_size": int(sizes["size"].max()) if len(sizes) else 0,
               "mean_cluster_size": n / sizes["clusters"].sum() if len(sizes) else 0.0}
    suspicious = pd.DataFrame(columns=["customer_id", "field", "distinct_values", "records"])
    if customers is not None:
        suspicious = suspicious_clusters(customer_map, customers)
        for f in ("birth_date", "email"):
            metrics[f"suspicious_{f}"] = int((suspicious["field"] == f).sum())
    if truth is not None and len(truth):
        metrics.update(pairwise_metrics(customer_map, truth))
    return LinkageQuality(metrics, sizes, suspicious)

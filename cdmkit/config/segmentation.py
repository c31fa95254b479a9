"""Config of the segmentation stage (`segmentation:` section of the client YAML)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from .base import Section

__all__ = ["SegmentationConfig", "DEFAULT_NON_PRODUCT_CODES", "DEFAULT_NON_PRODUCT_PATTERNS"]

#: Product codes (compared case-insensitively) of lines that are not products, by kind.
#: The codes are those of the UCI Online Retail data (I and II).
DEFAULT_NON_PRODUCT_CODES = {
    "postage": ["POST", "DOT", "C2"],
    "manual adjustment": ["M", "ADJUST", "ADJUST2"],
    "bad debt adjustment": ["B"],
    "discount": ["D"],
    "sample": ["S"],
    "fee": ["AMAZONFEE", "BANK CHARGES", "CRUK"],
    "test": ["TEST001", "TEST002"],
}

#: Regular expressions (full match, case-insensitive) on the product code or the product
#: name of lines that are not products, by kind.
DEFAULT_NON_PRODUCT_PATTERNS = {
    "postage": r"(dotcom )?postage|carriage|shipping( charges?)?|delivery( charges?)?",
    "manual adjustment": r"manual|adjustment( by .*)?",
    "bad debt adjustment": r"adjust bad debt",
    "discount": r"discount",
    "sample": r"samples?",
    "fee": r"amazon fee|bank charges?|cruk commission|.*\bcommission",
    "gift voucher": r"gift_\d+_\d+|.*gift voucher.*",
}


class SegmentationConfig(Section):
    """Options of the segmentation stage: RFM window and scores, returns, clustering.

    Examples
    --------
    >>> SegmentationConfig().bins, SegmentationConfig().method
    (5, 'kmeans')
    >>> try:
    ...     SegmentationConfig(k_min=5, k_max=3)
    ... except ValueError as e:
    ...     print("k_min (5) must not exceed k_max (3)" in str(e))
    True
    """

    # -- RFM -------------------------------------------------------------------------
    freq: Literal["D", "W", "M"] = Field(
        "D", description="Time unit of recency and T: D (days), W (weeks, Monday-Sunday) or "
        "M (months). Purchases within one period count once.")
    observation_end: Optional[str] = Field(
        None, description="ISO date ending the observation window; default the client's "
        "reference_date, else the newest transaction.")
    bins: int = Field(5, ge=2, le=9, description="Number of R, F and M score levels "
                      "(5 = quintiles).")
    ties: Literal["min", "first"] = Field(
        "min", description="Score ties: min = identical values share a score; first = "
        "equal-sized groups, ties broken by customer ID.")
    segment_map: Optional[dict[str, str]] = Field(
        None, description="Regular expression on the two-digit RF score -> segment name "
        "(first full match wins); default the Champions ... Hibernating map.")
    count_orders: bool = Field(True, description="n_purchases counts distinct orders "
                               "(order_id) when present; otherwise distinct purchase days.")
    # -- returns ---------------------------------------------------------------------
    returns: Literal["net", "drop", "keep"] = Field(
        "net", description="Cancellations and returns: net = match each to the order lines it "
        "cancels (same customer, product, price, earlier) and subtract it (a fully cancelled "
        "order counts no spend); drop = remove the return lines only (the cancelled orders "
        "keep their value); keep = leave them as they are.")
    unmatched_returns: Literal["drop", "net"] = Field(
        "drop", description="With returns: net, the part of a return that matches no earlier "
        "order line (bought before the data starts, other price): drop it (reported), or net "
        "it against the customer's latest earlier purchase.")
    return_statuses: list[str] = Field(
        default_factory=lambda: ["return", "returned", "refund", "refunded", "cancel",
                                 "cancelled", "canceled", "cancellation"],
        description="Transaction status values that mark a return or cancellation.")
    cancel_prefix: Optional[str] = Field("C", description="Order numbers starting with this "
                                         "mark cancellations (null to ignore).")
    drop_zero_amount: bool = Field(False, description="Also drop lines whose amount is 0.")
    non_product_codes: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_NON_PRODUCT_CODES.items()},
        description="Kind -> product codes of lines that are not products (postage, fees, "
        "manual and bad-debt adjustments, samples; compared case-insensitively). They are "
        "kept out of spend (RFM, CLV) and product analyses, and counted. {} for none.")
    non_product_patterns: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_NON_PRODUCT_PATTERNS),
        description="Kind -> regular expression fully matching (case-insensitively) the "
        "product code or product name of non-product lines. {} for none.")
    # -- clustering ------------------------------------------------------------------
    method: str = Field("kmeans", description="Segmenter plugin: kmeans, gmm, "
                        "minibatch_kmeans or a registered plugin.")
    minibatch_above: int = Field(200_000, ge=1, description="With method kmeans, use "
                                 "minibatch_kmeans for more customers than this.")
    k: Optional[int] = Field(None, ge=2, description="Fixed number of clusters; null = "
                             "choose by silhouette between k_min and k_max.")
    k_min: int = Field(3, ge=2, description="Smallest k tried (3: two groups are rarely "
                       "actionable).")
    k_max: int = Field(8, ge=2, description="Largest k tried.")
    min_cluster_share: float = Field(0.02, ge=0, lt=1, description="k values leaving a "
                                     "cluster smaller than this share of customers are not "
                                     "chosen (unless none qualifies).")
    features: list[Literal["rfm", "tenure", "channels", "categories", "interactions",
                           "events"]] = Field(
        default_factory=lambda: ["rfm", "tenure", "channels", "interactions", "events"],
        description="Feature groups for clustering (rfm, tenure, channels, categories, "
        "interactions, events); groups whose data is absent are skipped. categories is off by "
        "default: for one-time buyers its shares are 0 or 1 and dominate the distances.")
    top_categories: int = Field(8, ge=1, description="Product categories kept as features "
                                "(the rest pooled as 'other').")
    log_transform: bool = Field(True, description="log1p of skewed non-negative features "
                                "before scaling.")
    skew_threshold: float = Field(1.0, description="Skewness above which a feature is "
                                  "log-transformed.")
    sample_size: int = Field(10_000, ge=100, description="Customers sampled (seeded) for "
                             "choosing k, silhouette and stability on large data.")
    stability_seeds: int = Field(5, ge=2, description="Number of seeds whose clusterings are "
                                 "compared (adjusted Rand index).")

    @model_validator(mode="after")
    def _k_range(self):
        if self.k_min > self.k_max:
            raise ValueError(f"k_min ({self.k_min}) must not exceed k_max ({self.k_max})")
        return self

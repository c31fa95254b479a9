"""Config of the linkage stage (`linkage:` section of the client YAML).

Every option has a default that works on data that went through the
collection stage: blocking rules and comparisons are inferred from the
canonical columns present unless given here.

Examples
--------
>>> cfg = LinkageConfig(threshold=0.9, blocking_rules=[{"on": ["email"]}])
>>> cfg.blocking_rules[0].method
'exact'
"""

from __future__ import annotations

from typing import Union, Any, Literal, Optional

from pydantic import Field, field_validator

from .base import Section

__all__ = ["LinkageConfig", "BlockingRuleConfig", "ComparisonConfig"]

SURVIVORSHIP_RULES = ("most_recent", "most_frequent", "most_complete", "source_priority")


class BlockingRuleConfig(Section):
    """One blocking rule: records agreeing on all keys ``on`` become candidate pairs.

    Examples
    --------
    >>> BlockingRuleConfig(on=["birth_date", "last_name[:1]"]).name is None
    True
    """

    on: list[str] = Field(..., min_length=1, description="Keys that must agree: a column "
                          "name or a prefix 'column[:n]' (normalised values).")
    method: Literal["exact", "sorted_neighbourhood"] = Field(
        "exact", description="exact: same key values; sorted_neighbourhood: records within "
        "`window` places of each other when sorted by the joined keys.")
    window: int = Field(5, ge=2, description="Window of the sorted-neighbourhood method.")
    name: Optional[str] = Field(None, description="Label shown in reports (default: the keys).")


class ComparisonConfig(Section):
    """One multi-level comparison of a field.

    Examples
    --------
    >>> ComparisonConfig(name="first_name", comparator="name").column is None
    True
    """

    name: str = Field(..., description="Label of the comparison (also the default column).")
    comparator: str = Field("string", description="Registered comparator: exact, string, "
                            "name, date, email, phone, postcode, address, identifier, or a "
                            "plugin name.")
    column: Optional[str] = Field(None, description="Column compared (default: name).")
    params: dict[str, Any] = Field(default_factory=dict, description="Comparator options, "
                                   "e.g. {thresholds: [0.92, 0.8]}.")
    tf_adjust: Optional[bool] = Field(None, description="Term-frequency adjustment of the "
                                      "exact level (default: on for names).")


class LinkageConfig(Section):
    """Options of the linkage stage.

    Examples
    --------
    >>> LinkageConfig().threshold
    0.5
    >>> LinkageConfig(survivorship={"email": "most_recent"}).survivorship["email"]
    'most_recent'
    """

    link_type: Literal["link_and_dedupe", "dedupe_only", "link_only"] = Field(
        "link_and_dedupe", description="Pairs considered: within and across sources, within "
        "sources only, or across sources only.")
    blocking_rules: Optional[list[BlockingRuleConfig]] = Field(
        None, description="Blocking rules (union); default inferred from the columns present.")
    comparisons: Optional[list[ComparisonConfig]] = Field(
        None, description="Field comparisons; default inferred from the columns present.")
    threshold: float = Field(0.5, gt=0, lt=1, description="Match probability from which a "
                             "candidate pair is a link.")
    mode: Literal["auto", "unsupervised", "supervised"] = Field(
        "auto", description="unsupervised: Fellegi-Sunter with EM; supervised: logistic "
        "regression on labelled pairs; auto: supervised when the labels file holds at least "
        "min_labels labels of each class.")
    labels_file: Optional[str] = Field(None, description="CSV of clerical-review labels "
                                       "(source_l, record_id_l, source_r, record_id_r, label); "
                                       "default <output_dir>/<client>/linkage_labels.csv.")
    min_labels: int = Field(20, ge=1, description="Labels of each class needed for "
                            "supervised scoring in auto mode.")
    em_max_iter: int = Field(100, ge=1, description="Maximum EM iterations.")
    em_tol: float = Field(1e-6, gt=0, description="EM stops when no m probability moves more "
                          "than this.")
    em_training: Literal["sessions", "candidates"] = Field(
        "sessions", description="sessions: as Splink, one EM per blocking rule ignoring the "
        "fields that rule blocks on, then the match share on all candidates (scales to large "
        "data); candidates: one EM on all candidate pairs with u re-estimated on them.")
    em_fix_u: Union[bool, Literal["auto"]] = Field(
        "auto", description="true: keep u fixed during EM (as Splink; EM learns m and lambda "
        "only): exact-type levels counted from value frequencies over the whole table, fuzzy "
        "levels from random pairs - calibrated, and needed by the family rules on small data, "
        "but name-derived evidence is not independent, so precision falls at 100,000+ persons. "
        "false: u refined on the candidate pairs (precision first at scale). auto: true up to "
        "em_fix_u_max_records records, false above (docs/linkage.md, Known limits).")
    em_fix_u_max_records: int = Field(50_000, gt=0, description="With em_fix_u auto: the "
                                      "largest number of records trained with fixed u.")
    em_u_from: Literal["last_session", "all_sessions"] = Field(
        "last_session", description="Only with em_fix_u false: the u used for scoring is "
        "the one refined by the last training session (name neighbourhood) or the average "
        "over all sessions (precision first).")
    household_class: bool = Field(True, description="Fit a third EM class, 'same household' "
                                  "(relatives sharing surname, address, phone or e-mail), so "
                                  "family members are not merged into one customer.")
    u_sample_size: int = Field(100_000, ge=1000, description="Random record pairs of the "
                               "first batch for the u of fuzzy levels (the batches double "
                               "until every level has u_min_hits hits).")
    u_min_hits: int = Field(30, ge=1, description="Random pairs at each fuzzy level needed "
                            "for its u (sampling continues until then, or u_max_sample_size).")
    u_max_sample_size: int = Field(400_000, ge=1000, description="Most random pairs "
                                   "compared for the u of fuzzy levels.")
    deterministic_recall: float = Field(0.7, gt=0, le=1, description="Share of true matches "
                                        "assumed found by the deterministic rules (same first "
                                        "name, surname and birth date; same e-mail and first "
                                        "name; same national ID) whose count gives the "
                                        "reported second estimate of lambda.")
    family_rules: bool = Field(True, description="Relatives are never one customer: a pair "
                               "with clearly different given names (not a nickname or an "
                               "initial) or birth dates 15+ years apart is kept apart "
                               "whatever else it shares (twins, parent and child of one "
                               "name), and no chain of links may join such a pair.")
    name_swaps: bool = Field(True, description="Compare first and last name crosswise when "
                             "that fits much better: the same person with the names written "
                             "in the other order (family name first).")
    tf_adjustment: bool = Field(True, description="Term-frequency adjustment: agreeing on a "
                                "rare name counts more than on a common one.")
    max_cluster_size: int = Field(50, ge=2, description="Clusters larger than this are split "
                                  "by raising the threshold inside them (anti-chaining guard).")
    chain_guard: bool = Field(True, description="Split clusters that chain distinct people "
                              "through weak links (size and density checks).")
    min_cluster_density: float = Field(0.3, ge=0, le=1, description="Clusters of 4+ records "
                                       "whose share of linked pairs among candidate pairs "
                                       "is below this are split by the guard.")
    max_pairs: int = Field(50_000_000, ge=1, description="Stop with a clear error when the "
                           "blocking rules generate more candidate pairs than this.")
    refine_block_size: int = Field(100, ge=2, description="Exact blocks with more records "
                                   "than this (a common full name) are split by the "
                                   "refine_on keys, one after the other, so namesakes do not "
                                   "explode the pairs at millions of records.")
    refine_on: list[str] = Field(["birth_date[:4]", "postcode[:3]", "city"],
                                 description="Keys that split large blocks, in turn (a column, "
                                 "or column[:n] for its first n characters).")
    max_block_size: int = Field(2000, ge=2, description="Blocks still larger than this after "
                                "refining are skipped (reported).")
    survivorship: dict[str, str] = Field(
        default_factory=dict, description="Golden-record rule per field: most_recent, "
        "most_frequent, most_complete or source_priority (default per field type).")
    source_priority: list[str] = Field(default_factory=list, description="Sources in order "
                                       "of trust for the source_priority rule.")
    household_rules: Optional[list[list[str]]] = Field(
        None, description="Keys that put different customers in one household (default: "
        "surname+street+postcode, surname+phone, e-mail, phone+street).")
    max_household_size: int = Field(12, ge=2, description="Key groups larger than this are "
                                    "ignored for households (shared office e-mails).")
    review_band: list[float] = Field(default_factory=lambda: [0.2, 0.8], description="Match "
                                     "probability range of uncertain pairs shown for review.")
    review_size: int = Field(50, ge=0, description="Uncertain pairs offered for review.")
    reuse_model: bool = Field(True, description="Score each run with the linkage model saved "
                              "in the customer store (no EM refit), so unrelated new records "
                              "cannot move existing customers; the first run trains and saves "
                              "it. false: train on every run (IDs may shift).")
    retrain: bool = Field(False, description="Retrain the saved model in this run. Without "
                          "retrain_apply it is a dry run: the report lists every ID the "
                          "retrained model would change and the saved model keeps scoring.")
    retrain_apply: bool = Field(False, description="Apply a retrain (requested, or proposed "
                                "by drift) without confirmation: the retrained model becomes "
                                "the saved one and its ID changes are logged.")
    retrain_on_drift: bool = Field(True, description="Propose a retrain (dry run unless "
                                   "retrain_apply) when the data drifted from the training "
                                   "data (see drift_unseen_share, drift_match_share_tolerance) "
                                   "or the model's options or review labels changed.")
    drift_unseen_share: float = Field(0.05, ge=0, le=1, description="Drift: share of candidate "
                                      "pairs whose comparison pattern never occurred in "
                                      "training above this.")
    drift_match_share_tolerance: float = Field(0.5, ge=0, description="Drift: relative change "
                                               "of the share of candidate pairs that are links "
                                               "(0.5: from 10% to below 5% or above 15%).")
    id_prefix: str = Field("C", description="Prefix of global customer IDs.")
    id_width: int = Field(7, ge=1, description="Zero-padded digits of global customer IDs.")
    progress: Optional[bool] = Field(None, description="Progress bars (default: only when "
                                     "interactive).")

    @field_validator("survivorship")
    @classmethod
    def _known_rules(cls, v):
        for field, rule in v.items():
            if rule not in SURVIVORSHIP_RULES:
                raise ValueError(f"survivorship.{field}: unknown rule {rule!r} (valid: "
                                 f"{', '.join(SURVIVORSHIP_RULES)})")
        return v

    @field_validator("review_band")
    @classmethod
    def _band(cls, v):
        if len(v) != 2 or not 0 <= v[0] <= v[1] <= 1:
            raise ValueError("review_band must be [low, high] with 0 <= low <= high <= 1")
        return v

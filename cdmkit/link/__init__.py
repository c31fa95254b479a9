"""Identity resolution (stage 1b): one stable global customer ID per real person.

Pipeline (after recordlinkage's Index / Compare / Classify, and Splink's model):
blocking rules (union) -> multi-level comparisons (vectorised, plugin
comparators) -> Fellegi-Sunter scoring with EM and term-frequency adjustment,
or supervised scoring from labelled pairs -> connected components with an
anti-chaining guard -> stable IDs from the persistent ID registry ->
households -> golden records with provenance.

Everyday use
------------
* Stage notebook ``15-linkage``: :func:`resolve_identities` on the
  ``customers`` table.
* One file or two files, no configuration: :func:`dedupe` and :func:`link`
  (also ``cdmkit dedupe`` / ``cdmkit link`` on the command line).

Examples
--------
>>> import pandas as pd
>>> from cdmkit.link import dedupe
>>> df = pd.DataFrame({"id": [1, 2, 3], "name": ["Anna Smith", "Anna Smyth", "Bo Chen"],
...                    "email": ["anna@x.org", "anna@x.org", "bo@y.org"]})
>>> dedupe(df, id_column="id")["cluster_id"].tolist()
[0, 0, 1]
"""

from .clustering import cluster_pairs, cluster_size_table
from .comparators import (AddressComparator, Comparator, DateComparator, EmailComparator,
                          ExactComparator, IdentifierComparator, NameComparator,
                          PhoneComparator, PostcodeComparator, StringComparator,
                          make_comparator)
from .evaluate import blocking_recall, load_ground_truth, pairwise_scores, scores_by_group
from .explain import example_pairs, explain_pair, pair_records, waterfall_plot
from .fellegi_sunter import FellegiSunter
from .golden import golden_records
from .households import assign_households
from .model import LinkageModel, load_model, model_history, save_model
from .normalize import name_key
from .pipeline import (LinkageReport, LinkageResult, ScoredLinkage, dedupe, link,
                       linkage_columns, resolve_identities, score_and_cluster,
                       source_priority_of)
from .registry_ids import IdRegistry, retire_customer
from .review import ReviewPanel, review_candidates
from .settings import (BlockingRule, ComparisonSpec, LinkageSettings, canonicalize_columns,
                       infer_settings)
from .supervised import SupervisedScorer, load_labels
from .threshold import ThresholdExplorer, threshold_table

__all__ = [
    # stage and one-call APIs
    "resolve_identities", "dedupe", "link", "score_and_cluster", "source_priority_of",
    "linkage_columns",
    "LinkageResult", "LinkageReport", "ScoredLinkage",
    # settings
    "LinkageSettings", "BlockingRule", "ComparisonSpec", "infer_settings",
    "canonicalize_columns",
    # comparators
    "Comparator", "ExactComparator", "StringComparator", "NameComparator", "DateComparator",
    "EmailComparator", "PhoneComparator", "PostcodeComparator", "AddressComparator",
    "IdentifierComparator", "make_comparator", "name_key",
    # models, clustering, IDs
    "FellegiSunter", "SupervisedScorer", "load_labels", "cluster_pairs", "cluster_size_table",
    "IdRegistry", "retire_customer", "assign_households", "golden_records",
    # the saved model (trained once, reused by later runs)
    "LinkageModel", "load_model", "save_model", "model_history",
    # explanation, review, evaluation
    "explain_pair", "example_pairs", "pair_records", "waterfall_plot", "ReviewPanel",
    "review_candidates", "pairwise_scores", "scores_by_group", "blocking_recall",
    "load_ground_truth", "threshold_table", "ThresholdExplorer",
]

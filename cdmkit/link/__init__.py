"""Identity resolution (stage 1b): one stable global customer ID per real person.

Pipeline (after recordlinkage's Index / Compare / Classify, and Splink's model), one
module per step (contracts in :mod:`cdmkit.link.pipeline`): ``index`` blocking rules
(union) -> ``compare`` multi-level comparisons (vectorised, plugin comparators) ->
``train`` Fellegi-Sunter with EM on counted patterns (or supervised from labelled
pairs) -> ``score`` weights with term-frequency adjustment -> ``clustering``
connected components with an anti-chaining guard; then stable IDs from the
persistent ID registry, households and golden records with provenance.

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

import lazy_loader as _lazy

# The face is lazy: `import cdmkit.<pkg>` stays cheap (the CLI and `--help` import it);
# each name loads its submodule on first use.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    'clustering': ['cluster_pairs', 'cluster_records', 'cluster_size_table'],
    'engines': ['linkage_steps', 'use_engine'],
    'compare': ['EncodedColumns', 'compare_pairs', 'encode_columns', 'term_frequencies'],
    'comparators': ['AddressComparator', 'Comparator', 'DateComparator', 'EmailComparator',
                    'ExactComparator', 'IdentifierComparator', 'NameComparator', 'PhoneComparator',
                    'PostcodeComparator', 'StringComparator', 'make_comparator'],
    'evaluate': ['blocking_recall', 'load_ground_truth', 'pairwise_scores', 'scores_by_group'],
    'explain': ['example_pairs', 'explain_pair', 'pair_records', 'waterfall_plot'],
    'fellegi_sunter': ['FellegiSunter'],
    'golden': ['golden_records'],
    'households': ['assign_households'],
    'index': ['CandidatePairs', 'index_pairs'],
    'model': ['LinkageModel', 'load_model', 'model_history', 'save_model'],
    'normalize': ['name_key'],
    'pipeline': ['dedupe', 'link', 'linkage_columns', 'resolve_identities', 'score_and_cluster',
                 'source_priority_of'],
    'registry_ids': ['IdRegistry', 'retire_customer'],
    'results': ['LinkageReport', 'LinkageResult', 'ScoredLinkage'],
    'review': ['ReviewPanel', 'review_candidates'],
    'score': ['probability', 'score_pairs'],
    'settings': ['BlockingRule', 'ComparisonSpec', 'LinkageSettings', 'canonicalize_columns',
                 'infer_settings'],
    'supervised': ['SupervisedScorer', 'load_labels'],
    'threshold': ['ThresholdExplorer', 'threshold_table'],
    'train': ['estimate_u', 'train_model', 'training_patterns'],
})

__all__ = [
    # stage and one-call APIs
    "resolve_identities", "linkage_steps", "use_engine", "dedupe", "link", "score_and_cluster", "source_priority_of",
    "linkage_columns",
    "LinkageResult", "LinkageReport", "ScoredLinkage",
    # the linkage steps (index -> compare -> train -> score -> cluster; see link.pipeline)
    "encode_columns", "EncodedColumns", "index_pairs", "CandidatePairs", "compare_pairs",
    "term_frequencies", "train_model", "training_patterns", "estimate_u", "score_pairs",
    "probability", "cluster_records",
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

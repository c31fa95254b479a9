"""Validation: quality rules and scorecard, schemas, linkage and model quality, drift.

The plots are in :mod:`cdmkit.validate.plots` (not imported here: matplotlib stays unloaded
until a report draws); the stage entry is :func:`cdmkit.validate.stage.run_stage`.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.validate import build_scorecard, make_rule
>>> rule = make_rule({"type": "not_null", "table": "customers", "column": "email"})
>>> build_scorecard([rule], {"customers": pd.DataFrame({"email": ["a@b.co", None]})}).overall
0.5
"""

import lazy_loader as _lazy

# The face is lazy: `import cdmkit.<pkg>` stays cheap (the CLI and `--help` import it);
# each name loads its submodule on first use.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    'drift': ['DriftReport', 'compare_runs', 'ks_statistic', 'previous_run_dir', 'psi',
              'segment_migration'],
    'linkage_quality': ['LinkageQuality', 'cluster_sizes', 'linkage_quality', 'pairwise_metrics',
                        'suspicious_clusters'],
    'model_quality': ['collect_model_quality', 'read_stage_figures'],
    'report': ['RUN_TABLES', 'ValidationReport', 'load_run_tables', 'validate_run'],
    'stage': ['run_stage'],
    'rules': ['AllowedValues', 'CrossField', 'Freshness', 'NotNull', 'Pattern', 'Range',
              'ReferentialIntegrity', 'Rule', 'RuleResult', 'Unique', 'ValidFlag', 'builtin_rules',
              'evaluate_rules', 'make_rule'],
    'schemas': ['SCHEMAS', 'schema_for', 'validate_table', 'validate_tables'],
    'scorecard': ['Scorecard', 'build_scorecard', 'score_results'],
})

__all__ = ["DriftReport", "compare_runs", "ks_statistic", "previous_run_dir", "psi",
           "segment_migration",
           "LinkageQuality", "cluster_sizes", "linkage_quality", "pairwise_metrics",
           "suspicious_clusters",
           "collect_model_quality", "read_stage_figures",
           "RUN_TABLES", "ValidationReport", "load_run_tables", "validate_run", "run_stage",
           "AllowedValues", "CrossField", "Freshness", "NotNull", "Pattern", "Range",
           "ReferentialIntegrity", "Rule", "RuleResult", "Unique", "ValidFlag",
           "builtin_rules", "evaluate_rules", "make_rule",
           "SCHEMAS", "schema_for", "validate_table", "validate_tables",
           "Scorecard", "build_scorecard", "score_results"]

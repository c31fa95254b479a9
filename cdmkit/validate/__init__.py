"""Validation: quality rules and scorecard, schemas, linkage and model quality, drift.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.validate import build_scorecard, make_rule
>>> rule = make_rule({"type": "not_null", "table": "customers", "column": "email"})
>>> build_scorecard([rule], {"customers": pd.DataFrame({"email": ["a@b.co", None]})}).overall
0.5
"""

from .drift import (DriftReport, compare_runs, ks_statistic, previous_run_dir, psi,
                    segment_migration)
from .linkage_quality import (LinkageQuality, cluster_sizes, linkage_quality, pairwise_metrics,
                              suspicious_clusters)
from .model_quality import collect_model_quality, read_stage_figures
from .plots import (plot_cluster_sizes, plot_dimension_scores, plot_distribution_shift,
                    plot_migration, plot_source_scores)
from .report import RUN_TABLES, ValidationReport, load_run_tables, validate_run
from .rules import (AllowedValues, CrossField, Freshness, NotNull, Pattern, Range,
                    ReferentialIntegrity, Rule, RuleResult, Unique, ValidFlag, builtin_rules,
                    evaluate_rules, make_rule)
from .schemas import SCHEMAS, schema_for, validate_table, validate_tables
from .scorecard import Scorecard, build_scorecard, score_results

__all__ = ["DriftReport", "compare_runs", "ks_statistic", "previous_run_dir", "psi",
           "segment_migration",
           "LinkageQuality", "cluster_sizes", "linkage_quality", "pairwise_metrics",
           "suspicious_clusters",
           "collect_model_quality", "read_stage_figures",
           "plot_cluster_sizes", "plot_dimension_scores", "plot_distribution_shift",
           "plot_migration", "plot_source_scores",
           "RUN_TABLES", "ValidationReport", "load_run_tables", "validate_run",
           "AllowedValues", "CrossField", "Freshness", "NotNull", "Pattern", "Range",
           "ReferentialIntegrity", "Rule", "RuleResult", "Unique", "ValidFlag",
           "builtin_rules", "evaluate_rules", "make_rule",
           "SCHEMAS", "schema_for", "validate_table", "validate_tables",
           "Scorecard", "build_scorecard", "score_results"]

"""cdmkit.segment: RFM and behavioural segments with profiles (stage 2).

The public face of the segmentation stage; the machinery lives in small modules:
:mod:`~cdmkit.segment.rfm` (summary, scores, named segments),
:mod:`~cdmkit.segment.returns` (returns matched to their orders, non-product lines,
the usual row filter),
:mod:`~cdmkit.segment.features` (per-customer features and scaling),
:mod:`~cdmkit.segment.clustering` (segmenter plugins, choosing k, stability),
:mod:`~cdmkit.segment.profiles` (profiles and descriptions),
:mod:`~cdmkit.segment.plots`, :mod:`~cdmkit.segment.widgets` (neither imported here) and
:mod:`~cdmkit.segment.stage` (the whole stage as one function).

Examples
--------
>>> import pandas as pd
>>> from cdmkit.segment import rfm_summary, rfm_segments
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
...                    "timestamp": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-01-20",
...                                                 "2024-02-27"]),
...                    "amount": [20.0, 35.0, 12.0, 80.0]})
>>> rfm_segments(rfm_summary(tx), bins=3)[["r_score", "f_score", "segment"]]
             r_score  f_score              segment
customer_id
a                  3        3            Champions
b                  1        1          Hibernating
c                  2        1  Potential loyalists
"""

import lazy_loader as _lazy

# The face is lazy: `import cdmkit.<pkg>` stays cheap (the CLI and `--help` import it);
# each name loads its submodule on first use.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    'clustering': ['BaseSegmenter', 'GMMSegmenter', 'KMeansSegmenter', 'KSelection',
                   'MiniBatchKMeansSegmenter', 'Stability', 'choose_k', 'cluster_stability',
                   'make_segmenter', 'sampled_silhouette'],
    'features': ['FEATURE_GROUPS', 'SkewLogScaler', 'build_customer_features'],
    'profiles': ['cluster_labels', 'describe_groups', 'explore_clusters', 'profile_segments',
                 'standardised_means'],
    'filters': ['RowFilter', 'usual_filter'],
    'returns': ['RETURN_RULES', 'ReturnHandling', 'apply_return_rules', 'describe_returns',
                'is_return', 'non_product_kind', 'prepare_purchases'],
    'rfm': ['DEFAULT_SEGMENT_MAP', 'DegenerateScoresWarning', 'SEGMENT_ORDER',
            'SegmentationWarning', 'assign_segments', 'rfm_scores', 'rfm_segments', 'rfm_summary'],
    'scope': ['describe_scope', 'purchases_in_scope'],
    'stage': ['SegmentationInputs', 'SegmentationResult', 'load_inputs', 'run_segmentation',
              'run_stage'],
})

__all__ = [
    # RFM
    "rfm_summary", "rfm_scores", "rfm_segments", "assign_segments", "DEFAULT_SEGMENT_MAP",
    "SEGMENT_ORDER", "SegmentationWarning", "DegenerateScoresWarning",
    # returns
    "apply_return_rules", "is_return", "ReturnHandling", "RETURN_RULES", "prepare_purchases",
    "non_product_kind", "usual_filter", "RowFilter", "describe_returns",
    "purchases_in_scope", "describe_scope",
    # features and clustering
    "build_customer_features", "FEATURE_GROUPS", "SkewLogScaler", "BaseSegmenter",
    "KMeansSegmenter", "MiniBatchKMeansSegmenter", "GMMSegmenter", "make_segmenter",
    "choose_k", "KSelection", "cluster_stability", "Stability", "sampled_silhouette",
    # profiles and exploration
    "profile_segments", "describe_groups", "cluster_labels", "standardised_means",
    "explore_clusters",
    # the stage
    "load_inputs", "SegmentationInputs", "run_segmentation", "SegmentationResult", "run_stage",
]

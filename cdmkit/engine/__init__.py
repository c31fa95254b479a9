"""cdmkit.engine: where the heavy steps run - the embedded engine or Apache Spark.

``engine: local`` (the default) is pandas and DuckDB in this process. ``engine: spark``
runs the heavy steps as Spark jobs (joins and group-bys; the same comparator and EM
code inside ``mapInPandas``) and brings only small results to the driver:
:mod:`~cdmkit.engine.session` (the SparkSession, clear errors when pyspark or Java is
missing), :mod:`~cdmkit.engine.sources` (Parquet, CSV, JDBC, tables),
:mod:`~cdmkit.engine.aggregates` (RFM summary, cohorts, co-purchase counts),
:mod:`~cdmkit.engine.linkage` (index, compare, pattern counts, components) and
:mod:`~cdmkit.engine.steps` (which engine ran each step, partitions, time) and
:mod:`~cdmkit.engine.stage` (the engine a stage runs on, from the client's ``engine:``).
See ``docs/scale.md``.

Examples
--------
>>> from cdmkit.engine import StepLog
>>> log = StepLog("local")
>>> with log.step("rfm"):
...     pass
>>> log.table()[["step", "engine"]].values.tolist()
[['rfm', 'local']]
"""

import lazy_loader as _lazy

# Lazy face: importing cdmkit.engine never imports pyspark.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    'session': ['EngineError', 'spark_session', 'require_spark', 'spark_available'],
    'sources': ['read_source'],
    'aggregates': ['spark_rfm_summary', 'spark_cohort_counts', 'spark_co_purchase_counts'],
    'linkage': ['SparkLinkageSteps', 'spark_index_pairs', 'spark_compare',
                'spark_gamma_frame', 'spark_pattern_counts', 'spark_components',
                'spark_score_and_cluster', 'spark_resolve_identities', 'spark_pair_frame',
                'spark_label_propagation'],
    'pipeline': ['SparkPipeline', 'SparkScoredLinkage', 'spark_pipeline_score_and_cluster'],
    'steps': ['StepLog', 'steps_table', 'steps_summary', 'steps_html'],
    'stage': ['StageEngine', 'activate', 'activate_local'],
})

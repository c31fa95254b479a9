"""Deterministic demo data: a fictional multi-source retailer with known answers.

:func:`generate_demo` writes the customer files of five systems (webshop,
loyalty cards, CRM, newsletter, a Tehran branch exported from Windows in
cp1256), the activity of the same customers (web orders, store receipts, web
events, support tickets), a ground-truth file saying which records belong to
which real person and household, and a ready-to-run client config. The same
seed always gives byte-identical files, so teachers and tests can rely on
known answers. See ``docs/demo-data.md`` for the company, its sources and the
traps it contains.

Examples
--------
>>> import tempfile
>>> demo = generate_demo(tempfile.mkdtemp(), n_customers=100, seed=1)
>>> demo.n_persons, sorted(demo.files)[:2]
(100, ['crm_contacts.xlsx', 'ground_truth.csv'])
"""

import lazy_loader as _lazy

# The face is lazy: the CLI imports this package, and generating needs pandas and more.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    "catalog": ["CATALOG"],
    "company": ["DEFAULT_LOCALES", "GeneratedDemo", "MAX_CUSTOMERS", "MIN_CUSTOMERS",
                "generate_demo", "parse_locales", "persons_truth"],
    "people": ["TRUE_PARAMETERS"],
})

__all__ = ["generate_demo", "GeneratedDemo", "DEFAULT_LOCALES", "CATALOG", "parse_locales",
           "persons_truth", "TRUE_PARAMETERS", "MIN_CUSTOMERS", "MAX_CUSTOMERS"]

"""Name evidence counted once: e-mail local parts that only spell a name (issue 12).

At 100k persons the fixed (calibrated) u lost precision to namesakes: a local part such
as ``ann.lee`` agrees for any two Ann Lees, yet its u was counted over all pairs (a few
in a million), so it added ~15 bits on top of the agreeing names. These tests pin the
mechanism that fixes it.
"""

import numpy as np
import pandas as pd

from cdmkit.link.compare import compare_pairs, encode_columns
from cdmkit.link.comparators import EmailComparator
from cdmkit.link.settings import ComparisonSpec, LinkageSettings


def _level(c, a, b):
    lv = int(c.compare(pd.Series([a]), pd.Series([b]))[0])
    return c.level_names[lv] if lv >= 0 else None


def test_name_only_local_parts_differing_by_separators_are_the_same_local_part():
    c = EmailComparator("email", name_level=True)
    assert _level(c, "stanley.woodward@a.co.uk", "stanleywoodward@outlook.com") == \
        "same_local_part_name_only"
    assert _level(c, "ann_lee@a.com", "ann.lee@b.org") == "same_local_part_name_only"
    # marks of their own (digits) keep the stronger level, separators still matter there
    assert _level(c, "ann.lee82@a.com", "ann.lee82@b.org") == "same_local_part"
    assert _level(c, "ann.lee82@a.com", "annlee82@b.org") == "local_part_levenshtein>=0.88"


def test_similar_names_in_local_parts_are_no_email_evidence():
    c = EmailComparator("email", name_level=True)
    # two similar names: the name comparisons weigh how alike they are
    assert _level(c, "sara.karimi@a.com", "sara.karami@b.org") is None
    assert _level(c, "christopher.davidson@a.com", "christopherdavison@b.org") is None
    # without the name level the comparator is unchanged
    assert _level(EmailComparator("email"), "sara.karimi@a.com", "sara.karami@b.org") == \
        "local_part_levenshtein>=0.88"


def test_a_name_only_local_part_has_its_u_among_people_of_that_first_name():
    """u of "same name-only local part" is counted among pairs whose first names agree:
    summed with the first name's weight, the pair's two pieces of evidence then cost u of
    the local part once (not the first name's u twice)."""
    from cdmkit.link.train import estimate_u

    settings = LinkageSettings([], [
        ComparisonSpec("first_name", "name", "first_name"),
        ComparisonSpec("email", "email", "email", {"name_level": True})])
    rng = np.random.default_rng(3)
    first = rng.choice([f"name{chr(97 + i)}" for i in range(10)], 400)
    last = rng.choice([f"sur{chr(97 + i)}" for i in range(20)], 400)
    rec = pd.DataFrame({"first_name": first, "email": [
        f"{f}.{la}@d{i}.org" for i, (f, la) in enumerate(zip(first, last))]})
    enc = encode_columns(rec, settings)
    u = estimate_u(enc.comparators, enc.uniques, enc.codes, np.zeros(len(rec)), "dedupe_only",
                   np.random.default_rng(0), settings=settings)
    level = enc.comparators[1].level_names.index("same_local_part_name_only")
    # among pairs of one first name, 1 in 20 share the surname and so the local part
    # (over all pairs it is 1 in 200: ten times the weight the local part deserves)
    assert 0.035 < u[1][level] < 0.07


def test_one_name_with_two_different_numbers_is_no_email_evidence():
    c = EmailComparator("email", name_level=True)
    assert _level(c, "duffy.billy13@sky.com", "duffy.billy23@outlook.com") is None
    # a number that one address extends, or adds, is the same person's mark
    assert _level(c, "narges_t52@outlook.com", "narges_t522@outlook.com") == \
        "local_part_levenshtein>=0.88"
    assert _level(c, "roy.stewart@icloud.com", "roy.stewart2@icloud.com") == \
        "local_part_levenshtein>=0.88"

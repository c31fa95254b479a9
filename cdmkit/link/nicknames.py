"""Common given-name diminutives (English, plus a few Persian colloquial forms).

Used by :class:`cdmkit.link.comparators.NameComparator` with ``nicknames=True``: two
first names with the same canonical form agree at the ``nickname`` level.

Examples
--------
>>> canonical_name("bill") == canonical_name("william")
True
>>> canonical_name("zoe")
'zoe'
"""

from __future__ import annotations

from .normalize import name_key

__all__ = ["NICKNAME_GROUPS", "canonical_name"]

#: Formal name -> diminutives (lower case).
NICKNAME_GROUPS = {
    "william": ["bill", "billy", "will", "willy", "liam"],
    "robert": ["bob", "bobby", "rob", "robbie", "bert"],
    "richard": ["dick", "rick", "ricky", "rich", "richie"],
    "james": ["jim", "jimmy", "jamie"],
    "john": ["jack", "johnny", "jon"],
    "jonathan": ["jon", "jonny"],
    "thomas": ["tom", "tommy"],
    "michael": ["mike", "mikey", "mick", "mickey"],
    "charles": ["charlie", "chuck", "chas"],
    "edward": ["ed", "eddie", "ted", "teddy", "ned"],
    "henry": ["harry", "hank"],
    "joseph": ["joe", "joey"],
    "daniel": ["dan", "danny"],
    "david": ["dave", "davy"],
    "christopher": ["chris", "kit"],
    "matthew": ["matt"],
    "anthony": ["tony"],
    "andrew": ["andy", "drew"],
    "nicholas": ["nick", "nicky"],
    "alexander": ["alex", "sandy", "xander"],
    "benjamin": ["ben", "benny"],
    "samuel": ["sam", "sammy"],
    "stephen": ["steve", "stevie"],
    "steven": ["steve", "stevie"],
    "peter": ["pete"],
    "patrick": ["pat", "paddy"],
    "timothy": ["tim", "timmy"],
    "gregory": ["greg"],
    "kenneth": ["ken", "kenny"],
    "ronald": ["ron", "ronnie"],
    "donald": ["don", "donnie"],
    "lawrence": ["larry", "laurie"],
    "frederick": ["fred", "freddie"],
    "leonard": ["len", "lenny", "leo"],
    "raymond": ["ray"],
    "gerald": ["gerry", "jerry"],
    "douglas": ["doug"],
    "philip": ["phil"],
    "phillip": ["phil"],
    "jeffrey": ["jeff"],
    "joshua": ["josh"],
    "nathaniel": ["nate", "nat"],
    "zachary": ["zach", "zack"],
    "elizabeth": ["liz", "lizzie", "beth", "betty", "betsy", "eliza", "libby"],
    "margaret": ["maggie", "meg", "peggy", "madge", "marge"],
    "catherine": ["cathy", "kate", "katie", "kitty", "cat"],
    "katherine": ["kathy", "kate", "katie", "kat"],
    "kathleen": ["kathy", "kath"],
    "jennifer": ["jen", "jenny"],
    "jessica": ["jess", "jessie"],
    "rebecca": ["becky", "becca"],
    "susan": ["sue", "susie"],
    "deborah": ["debbie", "deb"],
    "patricia": ["pat", "patty", "tricia", "trish"],
    "victoria": ["vicky", "tori"],
    "christine": ["chris", "chrissie", "tina"],
    "christina": ["chris", "tina"],
    "alexandra": ["alex", "sandra", "lexi"],
    "samantha": ["sam", "sammie"],
    "jacqueline": ["jackie"],
    "abigail": ["abby", "gail"],
    "dorothy": ["dot", "dolly", "dottie"],
    "eleanor": ["ellie", "nell", "nora"],
    "helen": ["nell", "nellie"],
    "barbara": ["barb", "babs"],
    "pamela": ["pam"],
    "sandra": ["sandy"],
    "teresa": ["terry", "tess"],
    "theresa": ["terry", "tess"],
    "judith": ["judy"],
    "frances": ["fran", "frankie"],
    "francis": ["frank", "frankie"],
    "caroline": ["carrie", "caro"],
    "amanda": ["mandy"],
    "suzanne": ["sue", "suzy"],
    "gwendolyn": ["gwen"],
    "natalie": ["nat"],
    "mohammad": ["mamad"],
    "محمد": ["ممد"],
    "مصطفی": ["مصی"],
    "فاطمه": ["فاطی"],
    "زهرا": ["زهی"],
}

_CANON: dict[str, str] = {}
for _formal, _short in NICKNAME_GROUPS.items():
    _key = name_key(_formal)
    _CANON.setdefault(_key, _key)
    for _n in _short:
        _CANON.setdefault(name_key(_n), _key)


def canonical_name(key: str) -> str:
    """The formal form of a (normalised) given name, or the name itself.

    Examples
    --------
    >>> canonical_name("peggy")
    'margaret'
    """
    return _CANON.get(key, key)

"""The word lists that find names and their genders, read once from `tts/data`.

Each list is a plain UTF-8 file beside this package's other data: one entry a line, or
tab-separated columns; lines starting with '#' say what the list is. Chinese lists are
written in Simplified characters, as typed; `tts.speakers.roster` adds the Traditional form
of each entry and builds its patterns from them. To teach the roster a word, edit the file.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from tts.model import Gender


def read_list(name: str) -> tuple[str, ...]:
    """The entries of `tts/data/<name>`, in file order: its lines, '#' lines and blank lines
    aside."""
    text = resources.files("tts").joinpath(f"data/{name}").read_text("utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))


def read_table(name: str) -> tuple[tuple[str, ...], ...]:
    """The rows of the tab-separated `tts/data/<name>`, in file order."""
    return tuple(tuple(line.split("\t")) for line in read_list(name))


def _gendered(name: str) -> dict[str, Gender]:
    """A two-column table of word<TAB>female|male."""
    return {word: "female" if gender == "female" else "male" for word, gender in read_table(name)}


# ---------------------------------------------------------------- Chinese (Simplified)

ZH_SURNAMES = read_list("zh-surnames.txt")
"""Common surnames, one and two characters (王, 欧阳)."""
ZH_TITLES = read_list("zh-titles.txt")
"""Titles after a surname that stand for one person (王主任, 林小姐)."""
ZH_ROLES = read_list("zh-roles.txt")
"""Role nouns that name a speaker without a name (记者, 老人)."""
ZH_GENDERED_TERMS = _gendered("zh-gendered-terms.tsv")
"""Kinship and address terms -> the gender they say (小姐: female, 叔: male)."""
ZH_RANKS = read_list("zh-ranks.txt")
"""Ranks nearly always held by men in Chinese fiction (主任, 掌门): a weak prior."""
ZH_NOT_NAME_CHARS = "".join(read_list("zh-not-name-chars.txt"))
"""Characters that neither end nor continue a name (的, 了, 说, 一)."""
ZH_PARTICLES = "".join(read_list("zh-particles.txt"))
"""Characters that never begin a given name (的, 了, 吗)."""
ZH_VERBS_AFTER_NAMES = "".join(read_list("zh-verbs-after-names.txt"))
"""Verbs that often follow a two-character name at a clause start (放, 推, 看)."""
ZH_NOT_NICKNAMES = read_list("zh-not-nicknames.txt")
"""Words of 阿/小 and one more character that name no one (小声, 阿姨)."""
ZH_DOUBLED_WORDS = read_list("zh-doubled-words.txt")
"""Words of one character written twice that name no one (常常, 明明)."""
ZH_COMMON_WORDS = read_list("zh-common-words.txt")
"""Common words that start with a surname character (高兴, 马上)."""
ZH_CLAUSE_LEADS = read_list("zh-clause-leads.txt")
"""Connectives that may open a clause before its subject (于是, 这时, 只见)."""
ZH_NOT_SPEAKERS = read_list("zh-not-speakers.txt")
"""Words that stand before a speech verb but name no one (大家, 低声, 后来)."""
ZH_KIN_NOUNS = read_list("zh-kin-nouns.txt")
"""Kinship nouns that name someone only as a relative (儿子, 妻子): never a character alone."""
ZH_GIVEN_NAME_CHARS = _gendered("zh-given-name-chars.tsv")
"""Characters common in given names of one gender (美: female, 强: male)."""

# ---------------------------------------------------------------- English

_HONORIFIC_ROWS = read_table("en-honorifics.tsv")
EN_HONORIFICS = tuple(row[0] for row in _HONORIFIC_ROWS)
"""Honorifics and titles before a name (Mr, Aunt, Inspector), in the order a regex tries them."""
EN_HONORIFIC_GENDERS: dict[str, Gender] = {
    row[0].lower(): "female" if row[1] == "female" else "male"
    for row in _HONORIFIC_ROWS
    if row[1] != "-"
}
"""Honorific (lower case) -> the gender it says (mrs: female, sir: male)."""
EN_ROLE_HONORIFICS = frozenset(row[0].lower() for row in _HONORIFIC_ROWS if row[2] == "role")
"""Titles a narrator also calls their holder by ("the mayor"), lower case."""
EN_NOT_NAMES = frozenset(read_list("en-not-names.txt"))
"""Capitalised words that are not names (sentence starts, days, interjections), lower case."""
EN_NOT_PERSONS = frozenset(read_list("en-not-persons.txt"))
"""Words ending a "the ..." phrase that name no person (letter, door), lower case."""
EN_GENDERED_NOUNS = _gendered("en-gendered-nouns.tsv")
"""Nouns for a person -> the gender they say (woman: female, boy: male)."""


@lru_cache(maxsize=1)
def given_names() -> dict[str, Gender]:
    """English given name (lower case) -> the gender it nearly always belongs to."""
    return {name.lower(): gender for name, gender in _gendered("given-names.tsv").items()}


@lru_cache(maxsize=1)
def nicknames() -> dict[str, tuple[str, ...]]:
    """English diminutive (lower case) -> the full given names it stands for."""
    return {nick: tuple(full.split(",")) for nick, full in read_table("nicknames.tsv")}

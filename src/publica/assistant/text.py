"""Residents' words: normalising, tokenising, spelling-tolerant matching, and removing
emails, phone numbers and names before a question is kept. Pure: no Django.

Residents write the way they speak ("theres a massive hole", "grafitti", "bin wasnt
emptied"), so every comparison goes through the same steps: fold case, accents and
apostrophes; split into words; drop words that carry no meaning; reduce each word to its
Snowball stem ("collected", "collection" → "collect"). A word the catalogue does not know is
matched to the nearest word it does know, when that word is only a slip of the keyboard away.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import Stemmer
from bm25s.stopwords import STOPWORDS_EN
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

__all__ = ["Speller", "normalise", "scrub", "searchable", "stem", "tokens", "words"]

_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about which service is wanted, beyond the standard English list:
# the ways people ask ("how do i", "who do i tell") rather than what they ask about.
_FUNCTION_WORDS = (
    # pronouns, determiners, auxiliaries and question words
    "i im ive id ill me my mine myself our ours we us weve you youre your yours u ur he him "
    "his she her hers its them theyre those what whats when where which who whom whose why "
    "how am been being have has had having do does did doing dont doesnt didnt can cant could "
    "couldnt would wouldnt should shouldnt shall may might must wont isnt arent wasnt werent "
    "hasnt havent hadnt any some all each every both either neither other another so than too "
    "very just also only again still even about above after before below from off out over "
    "under up down here there were yes"
    # the ways people ask, rather than what they ask about
    " please pls plz hi hello thanks thank cheers ok okay get got getting want wanted need "
    "needs tell know let like ask asking help someone anyone somebody anybody"
)
_STOP = frozenset(STOPWORDS_EN) | frozenset(_FUNCTION_WORDS.split())


def normalise(text: str) -> str:
    """Lower case, without accents, apostrophes or curly quotes: "Don\u2019t" → "dont"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub("[\u2019'`\u00b4]", "", text).casefold()


def words(text: str) -> list[str]:
    """The meaningful words of `text`, normalised but not stemmed (no bare numbers: a house
    number says nothing about the service)."""
    return [w for w in _WORD.findall(normalise(text)) if w not in _STOP and not w.isdigit()]


_STEMMER = Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def tokens(text: str) -> list[str]:
    """The stems of the meaningful words of `text`: what BM25 counts."""
    return [stem(w) for w in words(text)]


class Speller:
    """Puts a misspelt word right when the catalogue has a word one or two edits from it.

    Only words the catalogue does not know are changed, and only to a known word with the
    same first letter, close enough that a slip explains the difference (one edit, two for
    words of eight letters or more), so "grafitti" becomes "graffiti" but "passport" stays
    "passport".
    """

    def __init__(self, vocabulary: Iterable[str]) -> None:
        known = {w for w in vocabulary if len(w) >= 3 and not w.isdigit()}
        self._stems = {stem(w) for w in known}
        self._words = sorted(known)
        self._by_initial: dict[str, list[str]] = {}
        for known_word in self._words:
            self._by_initial.setdefault(known_word[0], []).append(known_word)

    def correct(self, word: str) -> str:
        """`word`'s stem, or the stem of the catalogue word it was most likely meant to be."""
        stemmed = stem(word)
        if stemmed in self._stems or len(word) < 4 or word.isdigit() or not self._words:
            return stemmed
        allowed = 1 if len(word) < 8 else 2
        # Slips rarely touch the first letter; requiring it keeps "rain" from becoming "drain".
        candidates = self._by_initial.get(word[0], [])
        found = process.extractOne(
            word, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=allowed
        )
        return stem(found[0]) if found else stemmed

    def tokens(self, text: str) -> list[str]:
        return [self.correct(w) for w in words(text)]


# Personal details. A question is kept to improve the catalogue, never to know who asked.

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)
# Nine or more digits, with the spaces, dashes, dots and brackets people put in phone
# numbers, optionally after a +: 07700 900123, (01632) 960 000, +44 7700 900 123.
_PHONE = re.compile(r"(?<![\w-])\+?\(?\d[\d ().-]{7,}\d(?![\w])")
_NAME_WORD = "[A-Z][a-zA-Z'\u2019-]+"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}"
_NAME_PATTERNS = [
    # "Mr Smith", "Mrs J. Okafor", "Dr Ada Lovelace"
    re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.?\s+(?:[A-Z]\.?\s+)?{_NAME}"),
    # "my name is Jo Bloggs", "I'm called Sam", "this is Priya", "name's Dave"
    re.compile(
        rf"(?i:\b(?:my name is|my names|name is|names|i am called|im called|i'm called|"
        rf"this is)\s+)(?-i:{_NAME})"
    ),
    # "my neighbour Gary", "our landlord Tom Price"
    re.compile(
        rf"(?i:\b(?:my|our)\s+(?:neighbou?r|husband|wife|partner|son|daughter|mum|dad|"
        rf"mother|father|brother|sister|friend|landlord|landlady|tenant|carer)s?\s+)"
        rf"(?-i:{_NAME})"
    ),
    # a sign-off: "Thanks, Jo" / "Regards Sam Patel" / "Cheers - Dave"
    re.compile(
        rf"(?i:\b(?:thanks|thank you|regards|kind regards|best wishes|cheers|many thanks|"
        rf"sincerely)\s*[,.!-]*\s*)(?-i:{_NAME})\s*[.!]?\s*$"
    ),
]


def scrub(text: str) -> str:
    """`text` with emails, phone numbers and people's names replaced by [email], [phone]
    and [name], so that what is kept cannot say who asked."""
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub(_phone_or_number, text)
    for pattern in _NAME_PATTERNS:
        text = pattern.sub(_replace_name, text)
    return text


def searchable(text: str) -> str:
    """`text` without its personal details at all: they say nothing about the service."""
    return _PLACEHOLDER.sub(" ", scrub(text))


_PLACEHOLDER = re.compile(r"\[(?:email|phone|name)\]")


def _phone_or_number(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group())
    return "[phone]" if digits >= 9 else match.group()


def _replace_name(match: re.Match[str]) -> str:
    """Keep the words that introduced the name ("my neighbour"), replace only the name."""
    whole = match.group()
    name = re.search(rf"{_NAME}\s*[.!]?\s*$", whole) if whole else None
    if name is None:
        return "[name]"
    return whole[: name.start()] + "[name]"

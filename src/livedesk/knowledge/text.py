"""Text normalisation for FAQ search: folding, tokenising, Dutch stemming, character n-grams.

Everything here is language-general for Dutch; nothing is tuned to particular FAQ sentences.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable

import Stemmer

# A general Dutch function-word list (articles, pronouns, auxiliaries, particles). Question
# words such as "hoe", "wanneer" and "waarom" are kept out on purpose: in an FAQ they carry
# meaning ("wanneer" asks for a date, "hoeveel" for an amount).
DUTCH_STOPWORDS: frozenset[str] = frozenset(
    """
    aan al alle alles als also ben bent bij ben dan dat de der deze die dit doch doen door du
    dus een eens en er ge geen had heb hebben heeft hem hen het hier hij hoe hun iemand ik in
    is ja je jij jou jouw jullie kan kon kunnen kun kunt maar me mee men met mij mijn moet
    moeten na naar niet niets nog nu of om omdat ons onze ook op over reeds s t te tegen toch
    toen tot u uw uit van veel voor want was waren we wat wel werd wezen wie wij wil wilt
    word worden wordt zal ze zei zelf zich zij zijn zo zou zouden zullen hallo hoi hey goedemorgen
    goedemiddag goedenavond dag beste graag even eigenlijk dus daar hier deze dit dat
    """.split()
)
# "hoe" is in classic lists but we keep it (see above).
DUTCH_STOPWORDS = DUTCH_STOPWORDS - {"hoe"}

_WORD_RE = re.compile(r"[a-z0-9]+")
# Digits glued to letters ("2x", "18jaar") are split so both halves can match.
_SPLIT_RE = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")

_local = threading.local()  # PyStemmer objects are not thread-safe


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = Stemmer.Stemmer("dutch")
        stemmer.maxCacheSize = 50_000
        _local.stemmer = stemmer
    return stemmer


def fold(text: str) -> str:
    """Lower-case and strip accents: 'België' → 'belgie', 'ZÓ' → 'zo'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Common ligatures/symbols that visitors spell out.
    return stripped.replace("&", " en ").replace("€", " euro ").replace("ß", "ss")


def words(text: str) -> list[str]:
    """Folded alphanumeric words, with digit/letter runs split apart."""
    return _WORD_RE.findall(_SPLIT_RE.sub(" ", fold(text)))


def content_words(text: str) -> list[str]:
    """Words without general Dutch stopwords; falls back to all words if none remain."""
    all_words = words(text)
    kept = [w for w in all_words if w not in DUTCH_STOPWORDS]
    return kept or all_words


def stems(tokens: Iterable[str]) -> list[str]:
    stems: list[str] = _stemmer().stemWords(list(tokens))
    return stems


def char_ngrams(tokens: Iterable[str], sizes: tuple[int, ...] = (3, 4, 5)) -> list[str]:
    """Character n-grams of each word with boundary marks, so typos and compound parts
    still share most grams ('verwijsbrief' ↔ 'verwijzing' share '#ver', 'verw', 'erwi', ...)."""
    grams: list[str] = []
    for token in tokens:
        padded = f"#{token}#"
        for n in sizes:
            if len(padded) < n:
                continue
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def stem_terms(text: str) -> Counter[str]:
    return Counter(stems(content_words(text)))


def gram_terms(text: str) -> Counter[str]:
    return Counter(char_ngrams(content_words(text)))


def fuzzy_key(text: str) -> str:
    """The string rapidfuzz compares: folded content words, single-spaced."""
    return " ".join(content_words(text))

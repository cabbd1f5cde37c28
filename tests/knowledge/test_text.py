from livedesk.knowledge import text as T


def test_fold_strips_accents_and_case() -> None:
    assert T.fold("België ZÓ Café") == "belgie zo cafe"
    assert T.words("Track & Trace-code 2x") == ["track", "en", "trace", "code", "2", "x"]


def test_content_words_drop_function_words_but_keep_question_words() -> None:
    assert T.content_words("Hoe kan ik mijn pakket volgen?") == ["hoe", "pakket", "volgen"]
    # A message made only of function words still yields something to match.
    assert T.content_words("is dat zo") == ["is", "dat", "zo"]


def test_dutch_stemming_conflates_inflections() -> None:
    a, b = T.stems(["bestellingen", "bestelling"])
    assert a == b
    assert T.stems(["verzendkosten"]) == ["verzendkost"]


def test_char_ngrams_link_compounds_and_typos() -> None:
    brief = set(T.char_ngrams(["verwijsbrief"]))
    verwijzing = set(T.char_ngrams(["verwijzing"]))
    unrelated = set(T.char_ngrams(["tandarts"]))
    assert {"#ver", "verw", "erwi", "rwij"} <= brief & verwijzing
    assert len(brief & verwijzing) > 3 * len(brief & unrelated)
    # One typo keeps most grams of the word.
    typo = set(T.char_ngrams(["retourneren"])) & set(T.char_ngrams(["retourneern"]))
    assert len(typo) >= len(set(T.char_ngrams(["retourneren"]))) // 2


def test_gram_terms_counts_repeats() -> None:
    counts = T.gram_terms("huur huur")
    assert counts["#hu"] == 2

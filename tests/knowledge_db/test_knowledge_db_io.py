"""Import/export formats: lossless round trips and bad rows reported by line number."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livedesk.errors import Invalid
from livedesk.knowledge import io as kio

TRICKY = [
    kio.EntryData(
        id="e1",
        question='Kost "verzenden", naar België iets?',
        answer='Ja, "€ 4,95", zie https://example.nl/verzenden.\n\n## geen kop\n- id: nep\n'
        '\\backslash, ; komma\'s en "quotes"\n   ingesprongen regel',
        alternatives=["Verzendkosten, België?", "Wat kost de bezorging naar Zürich?"],
        tags=["verzending", "prijs €"],
        status="published",
    ),
    kio.EntryData(
        id="e2",
        question="# Begint met een hekje",
        answer="- id: geen metadata\n- lijst",
        alternatives=[],
        tags=[],
        status="draft",
    ),
    kio.EntryData(
        id="e3",
        question="Çà et là: naïve façade?",
        answer="Oui.\r\nDeux lignes.",
        alternatives=["Ñandú?"],
        tags=["fr"],
        status="archived",
    ),
]


def roundtrip(fmt: str, entries: list[kio.EntryData]) -> list[kio.EntryData]:
    body, _, _ = kio.export(fmt, {"slug": "s", "name": "Naam, met komma"}, entries)
    return kio.validate_rows(kio.parse(fmt, body))


@pytest.mark.parametrize("fmt", kio.FORMATS)
def test_tricky_text_survives_every_format(fmt: str) -> None:
    clean = kio.validate_rows(TRICKY)
    back = roundtrip(fmt, clean)
    assert [e.content() for e in back] == [e.content() for e in clean]
    assert back[0].answer.splitlines()[2] == "## geen kop"  # escaped on the way out, restored
    assert clean[2].answer == "Oui.\nDeux lignes."  # CRLF normalised once, then stable


line = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40
).filter(lambda s: s.strip() and "<" not in s)
answer = (
    st.lists(
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30),
        min_size=1,
        max_size=4,
    )
    .map("\n".join)
    .filter(lambda s: s.strip() and "<" not in s and ":" not in s)
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            line,
            answer,
            st.lists(line, max_size=3),
            st.sampled_from(["draft", "published", "archived"]),
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda t: " ".join(t[0].split()).casefold(),
    )
)
def test_any_clean_entries_round_trip(rows: list[tuple[str, str, list[str], str]]) -> None:
    entries = kio.validate_rows(
        [
            kio.EntryData(question=q, answer=a, alternatives=alts, status=s, id=f"id{n}", line=n)
            for n, (q, a, alts, s) in enumerate(rows, 1)
        ]
    )
    for fmt in kio.FORMATS:
        assert [e.content() for e in roundtrip(fmt, entries)] == [e.content() for e in entries]


def test_csv_bad_rows_are_reported_by_their_first_line() -> None:
    text = (
        "id,question,alternatives,answer,tags,status\r\n"
        ',Goed?,,"Twee\nregels",,published\r\n'  # lines 2-3
        ',Fout?,,"<b>html</b>",,published\r\n'  # line 4
        ",,,leeg,,published\r\n"  # line 5: no question
        ",Status?,,ok,,gepubliceerd\r\n"
    )  # line 6
    with pytest.raises(Invalid) as err:
        kio.validate_rows(kio.parse_csv(text))
    errors = err.value.data["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [
        (4, "answer"),
        (5, "question"),
        (6, "status"),
    ]
    assert "line 4" in err.value.message and "nothing was imported" in err.value.message


def test_duplicates_and_unsafe_links_are_refused() -> None:
    rows = [
        kio.EntryData(question="Zelfde vraag?", answer="a", line=3),
        kio.EntryData(question="zelfde  VRAAG?", answer="b", line=9),
        kio.EntryData(question="Link?", answer="klik javascript:alert(1)", line=12),
    ]
    with pytest.raises(Invalid) as err:
        kio.validate_rows(rows)
    assert [(e["line"], e["field"]) for e in err.value.data["errors"]] == [
        (9, "question"),
        (12, "answer"),
    ]


def test_markdown_and_json_errors_carry_line_numbers() -> None:
    md = "# FAQ: x\n\n## Goed?\n\n- status: published\n\nJa.\n\n## Leeg?\n\n- status: draft\n"
    with pytest.raises(Invalid) as err:
        kio.validate_rows(kio.parse_markdown(md))
    assert err.value.data["errors"] == [
        {"line": 9, "field": "answer", "message": "answer is empty"}
    ]
    js = '{"entries": [\n {"question": "A?", "answer": "a"},\n {"question": "", "answer": "b"}\n]}'
    with pytest.raises(Invalid) as err:
        kio.validate_rows(kio.parse_json(js))
    assert err.value.data["errors"][0]["line"] == 3
    with pytest.raises(Invalid) as err:
        kio.parse_json('{"entries": [\n{"question": }')
    assert err.value.data["errors"][0]["line"] == 2


def test_links_are_extracted_for_the_console() -> None:
    assert kio.links("Zie https://a.nl/x?y=1. Of mail naar mailto:info@a.nl!") == [
        "https://a.nl/x?y=1",
        "mailto:info@a.nl",
    ]

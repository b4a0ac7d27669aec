"""Hybrid search on a real Chroma index (fake embedder): ranking, filters, chunks, papers,
the LangChain adapter, and the optional LLM rerank."""

from __future__ import annotations

import time

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.digest.model import Paper
from assistant.fakes import FakeEmbeddings, ScriptedChatModel
from assistant.index.store import IndexStore
from assistant.retrieval import ChunkHit, PaperHit, SearchFilters, hit_json
from assistant.retrieval.fusion import FusionParams
from assistant.retrieval.rerank import rerank
from tests.conftest import ROOT
from tests.index_support import index_settings, ingest_into, open_test_retriever, write_digests


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """One index of the seven test papers, shared by the tests of this module."""
    tmp_path = tmp_path_factory.mktemp("search")
    settings = index_settings(tmp_path)
    digests = write_digests(tmp_path / "digests")
    with IndexStore.open(settings) as store:
        ingest_into(store, settings, digests)
    return settings, digests


@pytest.fixture
def retriever(index):
    retriever = open_test_retriever(index[0], FakeEmbeddings())
    yield retriever
    retriever.store.close()


def names(hits) -> list[str]:
    return [h.paper.display_name for h in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("如何压缩 KV 缓存以节省显存", "KVZip"),
        ("KV cache eviction for long context", "KVZip"),
        ("微调时保持安全对齐", "GuardSpace"),
        ("web browsing agent with a hierarchical planner", "WebPilot"),
        ("缩短思维链长度", "ShortCoT"),
        ("推测解码 草稿模型", "Speculative Decoding with Tiny Drafts"),
        ("video diffusion attention latency", "Sliding Tile Attention for Fast Video Diffusion"),
    ],
)
def test_the_right_paper_comes_first(retriever, query, expected):
    hits = retriever.search(query, k=3)
    assert names(hits)[0] == expected
    top = hits[0]
    assert top.score >= hits[1].score
    assert top.chunks and top.chunks[0].paper_id == top.paper.paper_id
    assert -1.0 <= top.dense_similarity <= 1.0


def test_hits_carry_full_records_scores_and_chunks(retriever):
    hits = retriever.search("GuardSpace null space adapter", k=7)
    assert len({h.paper.paper_id for h in hits}) == len(hits)
    top = hits[0]
    assert top.paper.tags == ["safety alignment", "fine-tuning"]
    assert top.paper.sources[0].file.endswith("digest_b.txt")
    assert top.lexical_score > 0 and top.dense_similarity > 0
    for chunk in top.chunks:
        assert chunk.section in {"abstract", "tldr", "motivation", "problem", "analysis",
                                 "method", "experiments", "contribution"}  # fmt: skip
        assert not chunk.text.startswith("GuardSpace |")  # own text, no context line
    assert len(top.snippet) <= 210
    data = hit_json(top)
    assert set(data) == {"paper_id", "url", "title", "text_start", "score", "snippet"}
    assert data["url"] is None and data["title"] == "GuardSpace"


def test_a_paper_found_only_by_bm25_gets_its_real_dense_similarity(retriever):
    candidates = retriever.candidates("GuardSpace")
    target = candidates.lexical[0][0].paper_id  # BM25's best paper...
    candidates.dense = [(c, s) for c, s in candidates.dense if c.paper_id != target]
    hits = retriever.rank(candidates, 7)  # ...as if the dense side had not returned it
    hit = next(h for h in hits if h.paper.paper_id == target)
    vectors = retriever.store.chunk_vectors([target])[target]
    query = retriever.embeddings.embed_query("GuardSpace")
    best = max(sum(a * b for a, b in zip(v, query, strict=True)) for v in vectors)
    assert hit.dense_similarity == pytest.approx(best, abs=1e-5) and best != 0.0


def test_filters_by_category_tag_and_source_file(retriever, index):
    a_file = index[1][1]
    only = retriever.search("方法", k=10, filters=SearchFilters(categories=["效率与压缩"]))
    assert {h.paper.category for h in only} == {"效率与压缩"} and len(only) == 2
    tagged = retriever.search("model", k=10, filters=SearchFilters(tags=["web AGENT"]))
    assert names(tagged) == ["WebPilot"]
    by_name = retriever.search("模型", k=10, filters=SearchFilters(source_files=[a_file.name]))
    by_path = retriever.search("模型", k=10, filters=SearchFilters(source_files=[str(a_file)]))
    assert {h.paper.paper_id for h in by_name} == {"2501.00001", "2501.00002"}
    assert names(by_name) == names(by_path)
    both = SearchFilters(categories=["效率与压缩"], tags=["quantization"])
    assert len(retriever.search("reasoning", k=10, filters=both)) == 1
    assert retriever.search("KV", filters=SearchFilters(categories=["no such category"])) == []


def test_chunks_of_lists_a_paper_in_document_order_field_by_field(retriever):
    paper_id = retriever.search("KVZip", k=1)[0].paper.paper_id
    chunks = retriever.chunks_of(paper_id)
    assert [c.section for c in chunks] == [
        "tldr", "motivation", "problem", "analysis", "method", "experiments", "contribution",
        "abstract",
    ]  # fmt: skip
    assert chunks[1].text == "长上下文推理时 KV 缓存占用大量显存。"  # the field, no label
    assert chunks[2].chunk_id == chunks[4].chunk_id  # problem and method share a chunk
    assert chunks[1].chunk_id == chunks[3].chunk_id != chunks[2].chunk_id
    assert {c.language for c in chunks[1:7]} == {"zh"}
    assert retriever.chunks_of("no-such-paper") == []


def test_paper_and_papers_come_from_the_catalog(retriever):
    papers = retriever.papers()
    assert len(papers) == 7
    assert retriever.paper("2501.00001").title_zh == "用微型草稿模型做推测解码"
    assert retriever.paper("missing") is None
    assert retriever.categories() == sorted({p.category for p in papers if p.category})


def test_the_langchain_adapter_returns_one_document_per_paper(retriever):
    lc = retriever.as_langchain(k=2)
    assert isinstance(lc, BaseRetriever)
    docs = lc.invoke("KV cache")
    assert len(docs) == 2 and all(isinstance(d, Document) for d in docs)
    assert docs[0].metadata["title"] == "KVZip"
    assert docs[0].metadata["chunk_ids"]
    assert "KV" in docs[0].page_content


def test_weighted_fusion_and_plain_rrf_can_both_be_chosen(retriever):
    candidates = retriever.candidates("量化 推理 模型")
    plain = retriever.rank(candidates, 3, FusionParams("rrf"))
    scores = retriever.rank(candidates, 3, FusionParams("scores", 0.5))
    assert plain[0].paper.paper_id == scores[0].paper.paper_id
    assert plain[0].score != scores[0].score


def test_empty_query_returns_nothing(retriever):
    assert retriever.search("   ") == []


def judge_says_yes_to(*names_: str):
    def reply(messages) -> str:
        passage = messages[-1].content.split("Passage:", 1)[1]
        return "yes" if any(name in passage for name in names_) else "no"

    return reply


def hit(name: str, score: float) -> PaperHit:
    paper = Paper(paper_id=name, display_name=name, name_source="method", abstract=f"{name}.")
    return PaperHit(paper, score, 0.5, 1.0, [ChunkHit(name, name, "abstract", "en", name, 1.0)])


def run_rerank(hits, judge, budget_s=10.0):
    return rerank(
        "question?",
        hits,
        chat_model=judge,
        prompts_dir=ROOT / "prompts",
        candidates=8,
        budget_s=budget_s,
        truncate=lambda text, n: text,
    )


def test_rerank_follows_the_judge_on_close_calls_only():
    close = run_rerank([hit("A", 1.0), hit("B", 0.95), hit("C", 0.5)], ScriptedChatModel(
        script=[judge_says_yes_to("B")]))  # fmt: skip
    assert [h.paper.paper_id for h in close] == ["B", "A", "C"]
    assert [h.rerank for h in close] == ["yes", "no", "no"]
    clear = run_rerank([hit("A", 1.0), hit("B", 0.5)], ScriptedChatModel(
        script=[judge_says_yes_to("B")]))  # fmt: skip
    assert [h.paper.paper_id for h in clear] == ["A", "B"]  # a clear lead survives a "no"


def test_rerank_stops_at_its_time_budget():
    def slow(messages) -> str:
        time.sleep(0.03)
        return "no"

    judge = ScriptedChatModel(script=[slow])
    hits = run_rerank([hit(n, 1.0 - i / 10) for i, n in enumerate("ABCDEFGH")], judge, 0.05)
    assert 1 <= len(judge.prompts) <= 3
    unjudged = [h for h in hits if h.rerank is None]
    assert len(unjudged) >= 5
    assert all(h.score == pytest.approx(1.0 - "ABCDEFGH".index(h.paper.paper_id) / 10)
               for h in unjudged)  # fmt: skip


def test_search_with_rerank_on_asks_the_chat_model(index):
    settings = index[0].model_copy(deep=True)
    settings.retrieval.rerank = True
    judge = ScriptedChatModel(script=[judge_says_yes_to("ShortCoT")])
    retriever = open_test_retriever(settings, FakeEmbeddings(), judge)
    hits = retriever.search("强化学习 推理", k=3)
    retriever.store.close()
    assert len(judge.prompts) == 7  # every paper (fewer than rerank_candidates)
    assert "强化学习 推理" in judge.prompts[0][-1].content
    assert names(hits)[0] == "ShortCoT" and hits[0].rerank == "yes"


def test_a_repeated_query_reuses_its_vector(index):
    class CountingEmbeddings(FakeEmbeddings):
        queries = 0

        def embed_query(self, text):
            CountingEmbeddings.queries += 1
            return super().embed_query(text)

    retriever = open_test_retriever(index[0], CountingEmbeddings())
    first = retriever.search("KV cache", k=3)
    again = retriever.search("KV cache", k=3)
    retriever.search("GuardSpace", k=3)
    retriever.store.close()
    assert CountingEmbeddings.queries == 2
    assert names(first) == names(again)


def test_the_snippet_is_in_the_language_of_the_query(retriever):
    english = retriever.search("KVZip LongBench memory accuracy loss", k=1)[0]
    chinese = retriever.search("KVZip 显存 精度 淘汰缓存", k=1)[0]
    assert english.paper.paper_id == chinese.paper.paper_id
    assert english.chunks[0].language == "en" and chinese.chunks[0].language == "zh"


def test_the_field_of_a_group_that_holds_the_query_words_comes_first():
    from assistant.index.chunking import field_label
    from assistant.index.store import StoredChunk
    from assistant.retrieval.retriever import _chunk_hits

    text = (
        f"{field_label('problem')}：长上下文推理的显存开销很大。\n"
        f"{field_label('method')}：提出 KV cache 压缩方法 KVZip，按重要性淘汰。"
    )
    chunk = StoredChunk("p:problem:0:h", "p", "problem", 0, "zh", text, {})
    hits = _chunk_hits(chunk, 1.0, {"kvzip", "压缩"})
    assert [h.section for h in hits] == ["method", "problem"]
    assert hits[0].text.startswith("提出 KV cache")
    # Nothing in common: the digest's own order stays.
    assert [h.section for h in _chunk_hits(chunk, 1.0, {"banana"})] == ["problem", "method"]

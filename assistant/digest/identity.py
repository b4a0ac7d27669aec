"""How a paper is identified and named: arXiv ids, content hashes, derived names, search links."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote_plus, urlparse

_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?")
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}


def arxiv_id_from_url(url: str | None) -> str | None:
    """The arXiv id (no version) of an arxiv.org abs/pdf link, else None."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    if parsed.hostname not in _ARXIV_HOSTS:
        return None
    path = parsed.path
    for prefix in ("/abs/", "/pdf/", "/html/"):
        if path.startswith(prefix):
            rest = path[len(prefix) :].removesuffix(".pdf")
            for pattern in (_ARXIV_NEW, _ARXIV_OLD):
                match = pattern.fullmatch(rest)
                if match:
                    return match.group(1)
    return None


def normalize_ref(ref: str) -> str:
    """A paper reference (arXiv id, arXiv URL, or paper_id) in the form paper_ids use."""
    ref = ref.strip()
    from_url = arxiv_id_from_url(ref)
    if from_url:
        return from_url
    match = _ARXIV_NEW.fullmatch(ref.removeprefix("arXiv:").removeprefix("arxiv:"))
    return match.group(1) if match else ref


def normalize_text(text: str) -> str:
    """Text folded for comparison: NFKC, lower case, whitespace and punctuation dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


def content_id(text: str) -> str:
    """A short id from normalized content: stable when the file is moved or re-ordered."""
    digest = hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()
    return f"h-{digest[:12]}"


# The name a paper introduces: "we propose GuardSpace, ...", "... Optimization (LCPO)",
# "**SpecKV**", "提出GuardSpace框架", "提出了...方法 CyclicReflex".
# A name: letters first (or a number and a dash: "4-bit-Muon-GRASP"), dots only inside
# ("Fast-dLLM.", "s1." end a sentence), and maybe a second word ("Llama Guard 3", "Fast-dLLM v2").
_NAME = (
    r"((?:\d+-)?[A-Za-z](?:[\w\-\+]|\.(?=\w))*"
    r"(?:[\-\s](?:[A-Z0-9]|v\d)(?:[\w\-\+]|\.(?=\w))*)?)"
)
_VERBS = r"(?:propose|introduce|present|develop|design|build|release|construct)[sd]?"
_EN_ACRONYM = re.compile(
    _VERBS + r"\b[^.;]{0,120}?\((?:termed |called |dubbed |named )?([A-Z][A-Za-z0-9\-\+]*)\)"
)
_EN_BOLD = re.compile(r"\*\*([A-Za-z][\w\-\.\+]*)\*\*")
_EN_INTRO = re.compile(
    r"\b" + _VERBS + r"\s+(?:(?:a|an|the)\s+)?"
    r"(?:(?:new|novel|simple|unified|general)\s+)?"
    r"(?:(?:framework|method|approach|model|benchmark|system|dataset|algorithm)\s+)?"
    r"(?:called\s+|named\s+|dubbed\s+|termed\s+)?" + _NAME
)
_ZH_INTRO = re.compile(r"(?:提出|引入|推出|设计|构建|开发)([^，,。；;：:（(]{0,40})")
# The short form after a spelled-out name: "提出Dual aDaptive Cache (d$^2$Cache)".
_ZH_SHORT_FORM = re.compile(r"\s*[（(]\s*([A-Za-z0-9$^{}\-\+\.]{2,30})\s*[)）]")
_EN_OUR = re.compile(
    r"\bour\s+" + _NAME + r"\s+(?:\d+(?:\.\d+)?B\s+)?"
    r"(?:model|framework|method|system|approach|agent|benchmark|algorithm)"
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9\-\.\+]*")
_NOT_NAMES = {
    "llm",
    "llms",
    "mllm",
    "mllms",
    "vlm",
    "vlms",
    "rl",
    "sft",
    "ai",
    "gpu",
    "gpus",
    "cot",
    "moe",
    "rlhf",
    "rlvr",
    "dpo",
    "ppo",
    "grpo",
    "lora",
    "nlp",
    "api",
    "apis",
    "kv",
    "qa",
    "vqa",
    "transformer",
    "transformers",
    "agent",
    "agents",
    "it",
    "this",
    "that",
    "these",
    "our",
    "lrm",
    "lrms",
    "sota",
    "mcts",
    "rag",
    "ood",
    "kl",
    "ptq",
    "qat",
}
_GENERIC_SUFFIXES = {
    "based",
    "like",
    "aware",
    "free",
    "guided",
    "driven",
    "level",
    "style",
    "specific",
    "centric",
    "oriented",
    "augmented",
    "wise",
    "only",
    "scale",
}


def _looks_like_name(candidate: str) -> bool:
    """A system name has capitals or digits inside it (GuardSpace, FedTDP, Doctor-R1, s1)."""
    word = candidate.strip(" .,;:-")
    if not 2 <= len(word) <= 40 or word.lower() in _NOT_NAMES:
        return False
    head = word.split()[0]
    if head.rsplit("-", 1)[-1].lower() in _GENERIC_SUFFIXES and "-" in head:
        return False
    if re.fullmatch(r"[A-Z]+s", head) or (len(head) < 3 and not head[-1].isdigit()):
        return False  # "DPPs", "RT": plural or two-letter acronyms, not names
    inner_caps = sum(1 for ch in head[1:] if ch.isupper())
    has_digit = any(ch.isdigit() for ch in head)
    return inner_caps >= 1 or has_digit


def method_name(*texts: str | None) -> str | None:
    """The method/system name a paper's text introduces, when it names one."""
    for pattern in (_EN_INTRO, _EN_ACRONYM, _EN_BOLD, _EN_OUR):
        for text in texts:
            for match in pattern.finditer(text or ""):
                candidate = match.group(1).strip(" .,;:")
                if pattern is _EN_INTRO and re.match(r"\s+[A-Z]", text[match.end() :]):
                    continue  # a spelled-out name ("Point-Approximate Matrix ... (PAMM)")
                # Keep a second word only when it is part of the name ("Llama Guard 3").
                first, _, rest = candidate.partition(" ")
                if rest and not _looks_like_name(rest):
                    candidate = first
                if _looks_like_name(candidate):
                    return candidate.rstrip(".-")
    for text in texts:
        for match in _ZH_INTRO.finditer(text or ""):
            spelled_out = len(_TOKEN.findall(match.group(1))) > 1
            short = _ZH_SHORT_FORM.match(text or "", match.end())
            if spelled_out and short and _looks_like_name(short.group(1).replace("$", "")):
                return short.group(1)
            for token in _TOKEN.findall(match.group(1)):
                if _looks_like_name(token):
                    return token.rstrip(".-")
    return None


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


def first_sentence(text: str, limit: int = 120) -> str:
    """The first sentence of a text, cut at a word boundary near `limit` characters."""
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def arxiv_search_url(
    name: str | None, abstract: str | None = None, *, is_title: bool = False
) -> str:
    """An arXiv search for an unlinked paper: its title, its name, or the abstract's opening.

    This is a search, not the paper's link; callers must present it as such.
    """
    if name and is_title:
        query, searchtype = name, "title"
    elif name:
        query, searchtype = name, "all"
        if abstract:
            # The sentence that introduces the name is specific enough to find the paper.
            for sentence in _SENTENCE_END.split(abstract):
                if name in sentence:
                    words = sentence[sentence.index(name) :].split()[:8]
                    query = " ".join(words).strip(" ,.;:")
                    searchtype = "abstract"
                    break
    elif abstract:
        query, searchtype = " ".join(abstract.split()[:10]).strip(" ,.;:"), "abstract"
    else:
        query, searchtype = "", "all"
    return f"https://arxiv.org/search/?query={quote_plus(query)}&searchtype={searchtype}"

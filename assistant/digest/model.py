"""The records a digest file becomes: Paper, where it came from, and what was wrong."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# The six Chinese fields of format B, in their order in the digest, keyed by a stable name.
SECTION_LABELS: dict[str, str] = {
    "motivation": "🎯 研究动机",
    "problem": "❓ 解决问题",
    "analysis": "🔍 现象分析",
    "method": "🛠️ 主要方法",
    "experiments": "📊 数据与实验",
    "contribution": "⭐ 主要贡献",
}

LinkKind = Literal["arxiv", "other"]
# title: from the paper's title; method: the name its text introduces; model: written by the
# local model at ingest, from the paper's own words; phrase / abstract: cut from its text;
# text: cut from its text after the model's name failed the check (not asked again).
NameSource = Literal["title", "method", "model", "phrase", "abstract", "text"]


@dataclass(frozen=True)
class SourceRef:
    """One place a paper appears: the file, the line its entry starts on, the format."""

    file: str
    line: int
    format: str


@dataclass(frozen=True)
class ParseIssue:
    """A problem found while reading a digest, always with file and line."""

    file: str
    line: int
    level: Literal["warning", "error"]
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.level}: {self.message}"


@dataclass
class Paper:
    """One paper of a digest, in either format, with everything the assistant needs."""

    paper_id: str
    display_name: str
    name_source: NameSource
    title_en: str | None = None
    title_zh: str | None = None
    link: str | None = None
    link_kind: LinkKind | None = None
    arxiv_id: str | None = None
    search_url: str | None = None
    category: str | None = None
    subcategory: str | None = None
    area: str | None = None
    tags: list[str] = field(default_factory=list)
    tldr: str | None = None
    summary_zh: str | None = None
    sections: dict[str, str] = field(default_factory=dict)
    abstract: str | None = None
    sources: list[SourceRef] = field(default_factory=list)

    @property
    def url(self) -> str | None:
        """The paper's own link from the digest; None when the digest gives none."""
        return self.link

    @property
    def name_is_derived(self) -> bool:
        """True when the display name was read out of the text, not given as a title."""
        return self.name_source != "title"

    @property
    def text_start(self) -> str:
        """First 200 characters of the English abstract, else of the Chinese summary."""
        text = self.abstract or self.summary_zh or " ".join(self.sections.values())
        return text[:200]

    def ref(self) -> dict[str, Any]:
        """The short reference used in search, answer and eval JSON."""
        return {
            "paper_id": self.paper_id,
            "url": self.url,
            "title": self.display_name,
            "text_start": self.text_start,
        }

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["url"] = self.url
        data["name_is_derived"] = self.name_is_derived
        data["text_start"] = self.text_start
        return data

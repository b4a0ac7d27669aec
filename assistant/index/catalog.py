"""Paper records as the index stores them: JSON text with a content hash, and back.

The index keeps every paper's full record next to its chunks, so that retrieval returns
whole Paper objects from the store alone, in local and server mode alike, without
re-reading the digest files.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import zlib
from pathlib import Path

from assistant.digest.model import Paper, SourceRef

_DERIVED = ("url", "name_is_derived", "text_start")


def with_resolved_sources(paper: Paper) -> Paper:
    """The same paper with absolute source paths, so re-ingest from another folder matches."""
    sources = [
        SourceRef(str(Path(s.file).expanduser().resolve()), s.line, s.format) for s in paper.sources
    ]
    return dataclasses.replace(paper, sources=sources)


def source_files(paper: Paper) -> list[str]:
    """The distinct files a paper was read from, in order."""
    return list(dict.fromkeys(s.file for s in paper.sources))


def paper_record(paper: Paper) -> str:
    """The paper as canonical JSON (sorted keys), the form stored in the catalog."""
    data = paper.to_dict()
    for key in _DERIVED:
        data.pop(key, None)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def record_hash(record: str) -> str:
    return hashlib.sha256(record.encode("utf-8")).hexdigest()[:16]


def pack_record(record: str) -> str:
    """The record compressed into ASCII: Chroma indexes metadata strings, and indexing
    several kilobytes of Chinese JSON per paper made catalog writes three times slower."""
    return base64.b64encode(zlib.compress(record.encode("utf-8"), 6)).decode("ascii")


def unpack_record(packed: str) -> str:
    return zlib.decompress(base64.b64decode(packed)).decode("utf-8")


def paper_from_record(record: str) -> Paper:
    """A Paper back from its stored JSON."""
    data = json.loads(record)
    data["sources"] = [SourceRef(**s) for s in data.get("sources", [])]
    known = {f.name for f in dataclasses.fields(Paper)}
    return Paper(**{k: v for k, v in data.items() if k in known})

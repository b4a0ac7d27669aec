"""The digest assistant: answers questions about a digest of AI papers, citing the papers."""

__version__ = "0.1.0"

"""LangChain Embeddings the factory in `assistant.llm` builds: the local sentence-transformers
embedder and an OpenAI-compatible `/v1/embeddings` client. Engines are passed in."""

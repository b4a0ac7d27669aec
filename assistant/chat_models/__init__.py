"""LangChain chat models the factory in `assistant.llm` builds: a local llama.cpp model,
the llama.cpp server it can run, and a guard that turns remote failures into BackendError.

None of these import a provider SDK: `assistant.llm` builds the engines and clients and
passes them in.
"""

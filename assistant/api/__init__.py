"""The HTTP API that `assistant serve` runs beside the web chat (FastAPI, with the Gradio
app mounted at /), and the client the other commands use to reach a running server.

    auth      who is asking: the server's logins, as HTTP Basic or as a bearer token
    schemas   request bodies
    routes    /api: ask (plain and server-sent events), search, papers, summarize,
              conversations, ingest, status
    openai    /v1: an OpenAI-compatible chat completions endpoint (model digest-assistant)
    server    the FastAPI app, the Gradio app mounted in it, and running it
    client    ServerClient (HTTP) and RemoteAnswers (an AnswerStream over it)
    locate    finding the server that holds a local index
"""

"""How papers, answers and reports are shown: one wording for the CLI, the web and reports.

    papers    a paper's label (display name, marked when derived) and its link (its own,
              or an arXiv search marked as such), and a plain reference line
    markdown  Markdown that is safe to render: text escaped, `[n]` markers linked to the
              cited papers; answers and topic reports; one reference-list line
    conversation  an answer with its reference list (the OpenAI-compatible API), read
              back as plain text, and a whole conversation as a Markdown document
    html      the web chat's sources panel

Links come from the paper records only; nothing a model wrote becomes a link.
"""

"""How papers, answers and reports are shown: one wording for the CLI, the web and reports.

    papers    a paper's label (display name, marked when derived) and its link (its own,
              or an arXiv search marked as such), and a plain reference line
    markdown  Markdown that is safe to render: text escaped, `[n]` markers linked to the
              cited papers; answers and topic reports
    html      the web chat's sources panel

Links come from the paper records only; nothing a model wrote becomes a link.
"""

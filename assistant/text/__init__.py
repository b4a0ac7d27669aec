"""The text layer: small, deterministic helpers every room of the assistant shares.

    language   is a text Chinese or English (one rule for questions, answers, chunks)
    sentences  splitting Chinese/English text into sentences, packing them into parts
    markers    the `[n]` citation markers a model writes, found, read and replaced
    terms      content terms of a text, for overlap measures
    numbers    numbers as written, their values, and whether a source states them
    links      URLs and Markdown links written into model output, removed or disarmed

Nothing here loads a model or touches the index; everything runs on every answer.
"""

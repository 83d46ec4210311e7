"""The live session of a workshop and its outcome.

A coordinator starts the session; participants (checked in, or walk-ins with
the join code) post short notes from their phones; the coordinator groups
them into themes, hides what does not belong, and opens a dot-voting round.
Phones and the projector poll a cheap state endpoint (ETag from
`Workshop.board_version`, 304 when nothing changed). Afterwards the
coordinator writes the outcome, forwards themes or notes as ideas on the
workshop's initiative and tells every participant what became of their input.

  queries.py     reads (fixed number of queries per page; one tiny query per poll)
  operations.py  writes: flush, never commit; every board change raises board_version
  access.py      who sees the board, and the signed "board pass" polling carries
  forms.py       forms (English msgids, lazy)
  views.py       the `workshop_session` blueprint
"""

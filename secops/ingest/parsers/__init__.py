"""One module per log source; each ``parse(message)`` returns ECS fields or None.

None means "this program, but a message I do not know": the event keeps its framing and
its dataset and carries no event.category, so unparsed shares can be measured per source.
"""

"""One module per log source; each ``parse(message)`` returns ECS fields or None.

None means "this program, but a message I do not know": the event keeps its framing and
its dataset and carries no event.category, so unparsed shares can be measured per source.
"""

from secops import native

native.activate(__name__, __path__)  # the compiled parsers, when built for these sources

"""Detection: Sigma rules compiled to matchers over the stored events, and correlations."""

from secops import native

native.activate(__name__, __path__)  # the compiled engine, when built for these sources

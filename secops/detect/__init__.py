"""Detection: Sigma rules compiled to matchers over the stored events, and correlations."""

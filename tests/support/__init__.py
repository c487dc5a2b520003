"""Helpers the test folders share: Hypothesis profiles and strategies, the money invariant,
the browser fixtures, the signing reference vectors."""

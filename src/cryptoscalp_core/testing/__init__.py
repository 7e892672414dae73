"""Test support for cryptoscalp and its plugins: service fixtures and conformance suites."""

"""Helpers of the coding-steps tests: a step-context double, sample replies and a third-party
style plugin (imported by the tests; no test module here)."""

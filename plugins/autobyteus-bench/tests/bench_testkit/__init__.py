"""Helpers of the bench tests: a three-task suite and its scripted model (imported by these
tests and by the ray plugin's; no test module here)."""

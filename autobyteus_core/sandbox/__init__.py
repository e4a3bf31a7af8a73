"""Running untrusted (LLM-written) code: one runner for every execution of generated code."""

"""Prompt templates: sandboxed jinja2 text with declared variables (imports jinja2 on first use)."""

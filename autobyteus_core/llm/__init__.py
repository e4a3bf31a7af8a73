"""The LLM interface every provider implements, and the registry that resolves model ids."""

def truncate(text, limit, suffix="..."):
    if limit < len(suffix):
        raise ValueError("limit is shorter than the suffix")
    return text if len(text) <= limit else text[: limit - len(suffix)] + suffix

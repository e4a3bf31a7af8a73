import re


def check_currency(code):
    if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"not a currency code: {code!r}")
    return code

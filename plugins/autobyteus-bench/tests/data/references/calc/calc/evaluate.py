from calc.tokens import tokenize


def evaluate(text):
    tokens = tokenize(text)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError("unexpected end")
        pos += 1
        return tokens[pos - 1]

    def expr():
        value = term()
        while peek() in ("+", "-"):
            value = value + term() if take() == "+" else value - term()
        return value

    def term():
        value = unary()
        while peek() in ("*", "/"):
            if take() == "*":
                value *= unary()
            else:
                value /= unary()
        return value

    def unary():
        token = take()
        if token == "-":
            return -unary()
        if token == "+":
            return unary()
        if token == "(":
            value = expr()
            if take() != ")":
                raise ValueError("missing )")
            return value
        try:
            return float(token)
        except ValueError:
            raise ValueError(f"unexpected {token!r}") from None

    value = expr()
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos]!r}")
    return value

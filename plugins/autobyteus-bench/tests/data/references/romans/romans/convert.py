VALUES = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def to_roman(number):
    if not 1 <= number <= 3999:
        raise ValueError(f"out of range: {number}")
    out = ""
    for value, letters in VALUES:
        while number >= value:
            out += letters
            number -= value
    return out


def from_roman(text):
    upper = text.upper()
    total, rest = 0, upper
    for value, letters in VALUES:
        while rest.startswith(letters):
            total += value
            rest = rest[len(letters):]
    if rest or not 1 <= total <= 3999 or to_roman(total) != upper:
        raise ValueError(f"not a Roman numeral: {text!r}")
    return total

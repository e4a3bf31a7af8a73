class IniSyntaxError(ValueError):
    def __init__(self, lineno, line):
        super().__init__(f"line {lineno}: cannot read {line!r}")
        self.lineno = lineno

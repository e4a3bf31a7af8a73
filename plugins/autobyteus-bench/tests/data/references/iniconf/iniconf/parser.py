import re

from iniconf.errors import IniSyntaxError


def parse_ini(text):
    data = {}
    section = "DEFAULT"
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            data.setdefault(section, {})
            continue
        match = re.match(r"([^=:]*)[=:](.*)", line)
        if not match or not match.group(1).strip():
            raise IniSyntaxError(lineno, raw)
        data.setdefault(section, {})[match.group(1).strip().lower()] = match.group(2).strip()
    return data

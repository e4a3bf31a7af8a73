from iniconf.errors import IniSyntaxError
from iniconf.parser import parse_ini
from iniconf.writer import dump_ini

__all__ = ["IniSyntaxError", "dump_ini", "parse_ini"]

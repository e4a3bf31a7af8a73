"""Plugins that ship with the core, registered by module path and blockable like any other."""

from textkit.slug import slugify
from textkit.truncate import truncate
from textkit.wrap import wrap

__all__ = ["slugify", "truncate", "wrap"]

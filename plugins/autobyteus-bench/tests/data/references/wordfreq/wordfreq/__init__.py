from wordfreq.counter import count_words
from wordfreq.top import top_words

__all__ = ["count_words", "top_words"]

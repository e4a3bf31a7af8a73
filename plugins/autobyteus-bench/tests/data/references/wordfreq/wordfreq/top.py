from wordfreq.counter import count_words


def top_words(text, n):
    return sorted(count_words(text).items(), key=lambda item: (-item[1], item[0]))[:n]

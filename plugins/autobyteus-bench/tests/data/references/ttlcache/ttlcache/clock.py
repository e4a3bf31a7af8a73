import time


def monotonic():
    return time.monotonic()

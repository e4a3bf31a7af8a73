from collections import OrderedDict

from ttlcache.clock import monotonic


class TTLCache:
    def __init__(self, capacity, ttl, clock=None):
        if capacity < 1 or ttl <= 0:
            raise ValueError("capacity must be at least 1 and ttl above 0")
        self.capacity, self.ttl, self.clock = capacity, ttl, clock or monotonic
        self._data = OrderedDict()

    def _live(self, key):
        entry = self._data.get(key)
        if entry is None:
            return False
        if self.clock() >= entry[1] + self.ttl:
            del self._data[key]
            return False
        return True

    def set(self, key, value):
        self._data[key] = (value, self.clock())
        self._data.move_to_end(key)
        while len(self._data) > self.capacity:
            self._data.popitem(last=False)

    def get(self, key, default=None):
        if not self._live(key):
            return default
        self._data.move_to_end(key)
        return self._data[key][0]

    def __contains__(self, key):
        return self._live(key)

    def __len__(self):
        return sum(1 for key in list(self._data) if self._live(key))

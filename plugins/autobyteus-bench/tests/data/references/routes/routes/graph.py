class Graph:
    def __init__(self):
        self.roads = {}

    def add_road(self, a, b, cost):
        if cost < 0:
            raise ValueError("negative cost")
        for x, y in ((a, b), (b, a)):
            known = self.roads.setdefault(x, {})
            known[y] = min(cost, known.get(y, cost))

    def neighbours(self, place):
        return dict(self.roads.get(place, {}))

    def places(self):
        return set(self.roads)

import heapq

from routes.errors import NoRouteError


def cheapest_route(graph, start, end):
    if start not in graph.places() or end not in graph.places():
        raise NoRouteError(f"{start} or {end} is not in the graph")
    queue = [(0, start, [start])]
    seen = set()
    while queue:
        cost, place, path = heapq.heappop(queue)
        if place == end:
            return cost, path
        if place in seen:
            continue
        seen.add(place)
        for nxt, step in graph.neighbours(place).items():
            if nxt not in seen:
                heapq.heappush(queue, (cost + step, nxt, [*path, nxt]))
    raise NoRouteError(f"no route from {start} to {end}")

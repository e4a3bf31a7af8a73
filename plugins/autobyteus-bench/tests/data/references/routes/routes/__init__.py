from routes.errors import NoRouteError
from routes.graph import Graph
from routes.search import cheapest_route

__all__ = ["Graph", "NoRouteError", "cheapest_route"]

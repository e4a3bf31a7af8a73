import pytest
from routes import Graph, NoRouteError, cheapest_route


def city() -> Graph:
    graph = Graph()
    graph.add_road("a", "b", 7)
    graph.add_road("a", "c", 9)
    graph.add_road("a", "f", 14)
    graph.add_road("b", "c", 10)
    graph.add_road("b", "d", 15)
    graph.add_road("c", "d", 11)
    graph.add_road("c", "f", 2)
    graph.add_road("d", "e", 6)
    graph.add_road("e", "f", 9)
    return graph


def test_cheapest_route() -> None:
    assert cheapest_route(city(), "a", "e") == (20, ["a", "c", "f", "e"])


def test_roads_go_both_ways() -> None:
    assert cheapest_route(city(), "e", "a") == (20, ["e", "f", "c", "a"])


def test_same_place_and_unreachable() -> None:
    graph = city()
    assert cheapest_route(graph, "d", "d") == (0, ["d"])
    graph.add_road("x", "y", 1)
    with pytest.raises(NoRouteError):
        cheapest_route(graph, "a", "x")
    with pytest.raises(NoRouteError):
        cheapest_route(graph, "a", "nowhere")


def test_graph_keeps_the_cheaper_road() -> None:
    graph = Graph()
    graph.add_road("a", "b", 5)
    graph.add_road("b", "a", 3)
    graph.add_road("a", "b", 4)
    assert graph.neighbours("a") == {"b": 3}
    assert graph.neighbours("b") == {"a": 3}
    assert graph.neighbours("zzz") == {}
    assert graph.places() == {"a", "b"}
    with pytest.raises(ValueError):
        graph.add_road("a", "c", -1)


def test_modules() -> None:
    from routes.errors import NoRouteError as e
    from routes.graph import Graph as g
    from routes.search import cheapest_route as s

    assert (e, g, s) == (NoRouteError, Graph, cheapest_route)

class NoRouteError(Exception):
    pass

from todo.store import TodoStore

__all__ = ["TodoStore"]

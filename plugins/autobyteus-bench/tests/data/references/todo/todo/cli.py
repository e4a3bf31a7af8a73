import argparse
import sys

from todo.store import TodoStore


def main(argv=None):
    parser = argparse.ArgumentParser(prog="todo")
    parser.add_argument("--file", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("add").add_argument("title")
    sub.add_parser("list")
    sub.add_parser("done").add_argument("id", type=int)
    sub.add_parser("remove").add_argument("id", type=int)
    args = parser.parse_args(argv)
    store = TodoStore(args.file)
    try:
        if args.command == "add":
            print(store.add(args.title))
        elif args.command == "list":
            for item in store.items():
                print(f"{item['id']} [{'x' if item['done'] else ' '}] {item['title']}")
        elif args.command == "done":
            store.done(args.id)
        else:
            store.remove(args.id)
    except KeyError:
        print(f"no item {args.id}", file=sys.stderr)
        return 1
    return 0

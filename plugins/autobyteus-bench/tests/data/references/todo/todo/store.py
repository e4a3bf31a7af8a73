import json
from pathlib import Path


class TodoStore:
    def __init__(self, path):
        self.path = Path(path)

    def _load(self):
        if not self.path.exists():
            return {"next": 1, "items": []}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def _save(self, data):
        self.path.write_text(json.dumps(data), encoding="utf-8")

    def add(self, title):
        data = self._load()
        item_id = data["next"]
        data["items"].append({"id": item_id, "title": title, "done": False})
        data["next"] = item_id + 1
        self._save(data)
        return item_id

    def _change(self, item_id, change):
        data = self._load()
        for item in data["items"]:
            if item["id"] == item_id:
                change(data, item)
                self._save(data)
                return
        raise KeyError(item_id)

    def done(self, item_id):
        self._change(item_id, lambda data, item: item.update(done=True))

    def remove(self, item_id):
        self._change(item_id, lambda data, item: data["items"].remove(item))

    def items(self):
        return self._load()["items"]

def dump_ini(data):
    blocks = []
    for name, values in data.items():
        blocks.append("\n".join([f"[{name}]"] + [f"{k} = {v}" for k, v in values.items()]))
    return "\n\n".join(blocks) + "\n"

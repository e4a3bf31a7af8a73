def low_stock(inventory, threshold):
    rows = [(sku, inventory.quantity(sku)) for sku in inventory.stock]
    return sorted((r for r in rows if r[1] < threshold), key=lambda r: (r[1], r[0]))

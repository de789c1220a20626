RESTAURANTS = ("pizza-place", "noodle-bar", "taco-stand", "curry-house")


def fetch_page(number, size):
    """Stand-in for a paginated export API: one page of order records."""
    start = number * size
    return [
        {
            "order_id": f"o-{i:08d}",
            "restaurant": RESTAURANTS[i % len(RESTAURANTS)],
            "amount": (i % 37) * 0.5 + 1.0,
        }
        for i in range(start, start + size)
    ]


def lambda_handler(event, context):
    # Fold each page into running totals and let it go: memory stays at one page,
    # however long the export is.
    orders, total, by_restaurant = 0, 0.0, {}
    for number in range(event["pages"]):
        for order in fetch_page(number, event["page_size"]):
            orders += 1
            total += order["amount"]
            name = order["restaurant"]
            by_restaurant[name] = by_restaurant.get(name, 0.0) + order["amount"]
    return {
        "orders": orders,
        "total": round(total, 2),
        "by_restaurant": {name: round(value, 2) for name, value in by_restaurant.items()},
    }

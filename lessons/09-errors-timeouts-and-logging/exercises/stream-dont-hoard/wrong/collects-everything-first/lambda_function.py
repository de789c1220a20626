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
    orders = []
    for number in range(event["pages"]):
        orders.extend(fetch_page(number, event["page_size"]))
    by_restaurant = {}
    for order in orders:
        name = order["restaurant"]
        by_restaurant[name] = by_restaurant.get(name, 0.0) + order["amount"]
    return {
        "orders": len(orders),
        "total": round(sum(order["amount"] for order in orders), 2),
        "by_restaurant": {name: round(value, 2) for name, value in by_restaurant.items()},
    }

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
    # TODO: go through every page and add up the orders.
    page = fetch_page(0, event["page_size"]) if event["pages"] else []
    return {
        "orders": len(page),
        "total": round(sum(order["amount"] for order in page), 2),
        "by_restaurant": {},
    }

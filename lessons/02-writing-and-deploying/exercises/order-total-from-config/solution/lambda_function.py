import os

# Environment variables are strings: convert once, at INIT.
TAX_RATE = float(os.environ["TAX_RATE"])
CURRENCY = os.environ["CURRENCY"]


def lambda_handler(event, context):
    subtotal = sum(item["price"] * item["qty"] for item in event["items"])
    tax = round(subtotal * TAX_RATE, 2)
    return {
        "subtotal": round(subtotal, 2),
        "tax": tax,
        "total": round(subtotal + tax, 2),
        "currency": CURRENCY,
    }

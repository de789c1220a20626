import os


def lambda_handler(event, context):
    subtotal = sum(item["price"] * item["qty"] for item in event["items"])
    tax = round(subtotal * os.environ["TAX_RATE"], 2)
    return {
        "subtotal": round(subtotal, 2),
        "tax": tax,
        "total": round(subtotal + tax, 2),
        "currency": os.environ["CURRENCY"],
    }

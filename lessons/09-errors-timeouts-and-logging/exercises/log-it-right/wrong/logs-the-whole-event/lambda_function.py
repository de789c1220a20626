import logging

logger = logging.getLogger()
# Lambda's runtime leaves the root logger at WARNING; without this, INFO records vanish.
logger.setLevel(logging.INFO)


def valid_total(total):
    return isinstance(total, (int, float)) and not isinstance(total, bool) and total > 0


def lambda_handler(event, context):
    if "orders" not in event:
        raise ValueError("event has no orders")
    logger.info("received event: %s", event)
    processed = skipped = 0
    for order in event["orders"]:
        if not valid_total(order.get("total")):
            # Log the id only: e-mails and card digits must not end up in CloudWatch.
            logger.warning("skipping order %s: invalid total", order.get("id"))
            skipped += 1
            continue
        processed += 1
    logger.info("processed %d orders, skipped %d", processed, skipped)
    return {"processed": processed, "skipped": skipped}

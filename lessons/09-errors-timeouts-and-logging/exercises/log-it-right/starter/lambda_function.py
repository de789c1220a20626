import logging

logger = logging.getLogger()


def lambda_handler(event, context):
    processed = skipped = 0
    for order in event["orders"]:
        # TODO: skip (and warn about) orders whose total is not a positive number.
        processed += 1
    logger.info(f"processed {processed} orders, skipped {skipped}")
    return {"processed": processed, "skipped": skipped}

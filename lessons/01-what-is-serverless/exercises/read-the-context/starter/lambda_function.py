def lambda_handler(event, context):
    # TODO: fill the receipt from the context object.
    return {
        "request_id": None,
        "function": None,
        "log_group": None,
        "memory_mb": 128,
        "remaining_ms": 0,
    }

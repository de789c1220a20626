def lambda_handler(event, context):
    rps = event["requests_per_second"]
    duration_ms = event["avg_duration_ms"]
    # TODO: concurrency needed, the effective limit, and what gets throttled.
    needed = rps * duration_ms / 1000
    return {
        "concurrency_needed": needed,
        "limit": event["account_limit"],
        "max_rps": 0,
        "throttled_rps": 0,
        "throttled": False,
    }

import math


def effective_limit(reserved, account_limit):
    return reserved or account_limit


def lambda_handler(event, context):
    rps = event["requests_per_second"]
    duration_ms = event["avg_duration_ms"]
    needed = math.ceil(rps * duration_ms / 1000)  # Little's law, whole environments
    limit = effective_limit(event.get("reserved_concurrency"), event["account_limit"])
    max_rps = limit * 1000 / duration_ms
    throttled_rps = max(0, rps - max_rps)
    return {
        "concurrency_needed": needed,
        "limit": limit,
        "max_rps": max_rps,
        "throttled_rps": throttled_rps,
        "throttled": throttled_rps > 0,
    }

PRICE_PER_REQUEST = 0.20 / 1_000_000
PRICE_PER_GB_SECOND = 0.0000166667  # x86_64 only, for now


def lambda_handler(event, context):
    requests = event["requests"]
    # TODO: round each request up to a whole millisecond, handle arm64 and the free tier.
    gb_seconds = requests * (event["avg_duration_ms"] / 1000) * (event["memory_mb"] / 1024)
    request_cost = requests * PRICE_PER_REQUEST
    compute_cost = gb_seconds * PRICE_PER_GB_SECOND
    return {
        "gb_seconds": gb_seconds,
        "request_cost": request_cost,
        "compute_cost": compute_cost,
        "total": request_cost + compute_cost,
    }

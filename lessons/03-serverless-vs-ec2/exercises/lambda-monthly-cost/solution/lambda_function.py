import math

PRICE_PER_REQUEST = 0.20 / 1_000_000
PRICE_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
FREE_REQUESTS = 1_000_000
FREE_GB_SECONDS = 400_000


def lambda_handler(event, context):
    requests = event["requests"]
    billed_seconds = math.ceil(event["avg_duration_ms"]) / 1000  # 1 ms billing granularity
    gb_seconds = requests * billed_seconds * event["memory_mb"] / 1024

    billable_requests, billable_gb_seconds = requests, gb_seconds
    if event.get("free_tier"):
        billable_requests = max(0, requests - FREE_REQUESTS)
        billable_gb_seconds = max(0, gb_seconds - FREE_GB_SECONDS)

    request_cost = billable_requests * PRICE_PER_REQUEST
    compute_cost = billable_gb_seconds * PRICE_PER_GB_SECOND[event["architecture"]]
    return {
        "gb_seconds": gb_seconds,
        "request_cost": request_cost,
        "compute_cost": compute_cost,
        "total": request_cost + compute_cost,
    }

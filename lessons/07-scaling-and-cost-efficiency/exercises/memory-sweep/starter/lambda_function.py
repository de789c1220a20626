import math

PRICE_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}


def monthly_cost(requests, memory_mb, duration_ms, architecture):
    gb_seconds = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    return requests * 0.20 / 1_000_000 + gb_seconds * PRICE_PER_GB_SECOND[architecture]


def lambda_handler(event, context):
    costs = {}
    # TODO: cost every measurement, then choose the cheapest size that meets the target.
    return {"costs": costs, "best_memory_mb": None, "best_monthly_usd": None}

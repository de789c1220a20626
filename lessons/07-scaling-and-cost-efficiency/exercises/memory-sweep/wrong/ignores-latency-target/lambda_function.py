import math

PRICE_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}


def monthly_cost(requests, memory_mb, duration_ms, architecture):
    gb_seconds = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    return requests * 0.20 / 1_000_000 + gb_seconds * PRICE_PER_GB_SECOND[architecture]


def lambda_handler(event, context):
    requests = event["requests_per_month"]
    target = event.get("max_duration_ms")
    costs, durations = {}, {}
    for m in event["measurements"]:
        memory = m["memory_mb"]
        costs[memory] = monthly_cost(requests, memory, m["avg_duration_ms"], event["architecture"])
        durations[memory] = m["avg_duration_ms"]
    candidates = list(costs)
    # Cheapest first; on a tie the smaller memory wins.
    best = min(candidates, key=lambda mem: (costs[mem], mem)) if candidates else None
    return {
        "costs": {str(mem): cost for mem, cost in costs.items()},
        "best_memory_mb": best,
        "best_monthly_usd": costs[best] if best is not None else None,
    }

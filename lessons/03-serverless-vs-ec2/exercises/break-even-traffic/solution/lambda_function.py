import math

HOURS_PER_MONTH = 730
PRICE_PER_REQUEST = 0.20 / 1_000_000
PRICE_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}


def cost_per_request(avg_duration_ms, memory_mb, architecture):
    billed_seconds = math.ceil(avg_duration_ms) / 1000
    gb_seconds = billed_seconds * memory_mb / 1024
    return PRICE_PER_REQUEST + gb_seconds * PRICE_PER_GB_SECOND[architecture]


def lambda_handler(event, context):
    ec2_monthly = event["ec2_hourly_usd"] * HOURS_PER_MONTH
    per_request = cost_per_request(event["avg_duration_ms"], event["memory_mb"], event["architecture"])
    return {
        "ec2_monthly": ec2_monthly,
        "lambda_per_million": per_request * 1_000_000,
        "break_even_requests": math.floor(ec2_monthly / per_request),
    }

HOURS_PER_MONTH = 730


def lambda_handler(event, context):
    ec2_monthly = event["ec2_hourly_usd"] * HOURS_PER_MONTH
    # TODO: the cost of one Lambda request, then the break-even point.
    lambda_per_million = 0.0
    return {
        "ec2_monthly": ec2_monthly,
        "lambda_per_million": lambda_per_million,
        "break_even_requests": 0,
    }

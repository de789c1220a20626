import json


def lambda_handler(event, context):
    # API Gateway sends null, not {}, when the URL has no query string.
    params = event.get("queryStringParameters") or {}
    name = params.get("name") or "world"
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": f"Hello, {name}!"}),
    }

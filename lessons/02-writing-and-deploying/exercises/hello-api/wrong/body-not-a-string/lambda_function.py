def lambda_handler(event, context):
    params = event.get("queryStringParameters") or {}
    name = params.get("name") or "world"
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": {"message": f"Hello, {name}!"},
    }

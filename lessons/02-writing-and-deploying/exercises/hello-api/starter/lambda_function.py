import json


def lambda_handler(event, context):
    # TODO: read ?name=... from event["queryStringParameters"] (it can be None!)
    name = "world"
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": f"Hello, {name}!"}),
    }

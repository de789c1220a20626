"""Trusted-side check: read the review request back from the queue."""
import json


def check_message_body(ctx):
    if ctx.account is None:
        return "This check needs the mock account."
    sqs = ctx.account.boto3_client("sqs")
    url = sqs.get_queue_url(QueueName="review-requests")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    if len(messages) != 1:
        return f"Expected one message on review-requests, found {len(messages)}."
    try:
        body = json.loads(messages[0]["Body"])
    except ValueError:
        return "The message body should be JSON, e.g. json.dumps({...})."
    if body != {"order_id": "o-1002", "customer": "c-grace"}:
        return f'The message body should be {{"order_id": "o-1002", "customer": "c-grace"}}, got {body!r}.'
    return None

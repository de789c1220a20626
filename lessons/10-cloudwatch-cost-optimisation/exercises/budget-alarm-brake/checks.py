"""Trusted-side check: read the SNS notification from the queue subscribed to the topic."""
import json


def check_notification(ctx):
    if ctx.account is None:
        return "This check needs the mock account."
    sqs = ctx.account.boto3_client("sqs")
    url = sqs.get_queue_url(QueueName="cost-alerts-inbox")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    if len(messages) != 1:
        return f"Expected exactly one notification, found {len(messages)}."
    envelope = json.loads(messages[0]["Body"])  # SNS wraps the message for SQS subscribers
    text = envelope.get("Message", "")
    if envelope.get("Subject") != "Budget brake":
        return f"The subject should be 'Budget brake', got {envelope.get('Subject')!r}."
    if "monthly-spend-over-budget" not in text or "2" not in text:
        return f"The message should name the alarm and say 2 instances were stopped; got {text!r}."
    return None

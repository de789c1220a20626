"""Trusted-side checks for the read-the-context exercise."""


def _receipt(ctx):
    record = ctx.records[-1]
    payload = record.get("payload")
    if not isinstance(payload, dict):
        return record, None
    return record, payload


def check_receipt(ctx):
    record, receipt = _receipt(ctx)
    if receipt is None:
        return "The handler should return a dictionary (a JSON object)."
    if receipt.get("request_id") != record["request_id"]:
        return (
            f"request_id is {receipt.get('request_id')!r} but this call's request id was "
            f"{record['request_id']!r}. Use context.aws_request_id."
        )
    function = receipt.get("function")
    if not isinstance(function, str) or not function:
        return "function should be context.function_name (a non-empty string)."
    if receipt.get("log_group") != f"/aws/lambda/{function}":
        return "log_group should be context.log_group_name, /aws/lambda/<function name>."
    if f"handling request {record['request_id']}" not in record.get("logs", ""):
        return "Print 'handling request <request id>' with this call's request id."
    return None


def check_remaining_time(ctx):
    _, receipt = _receipt(ctx)
    if receipt is None:
        return "The handler should return a dictionary (a JSON object)."
    remaining = receipt.get("remaining_ms")
    if not isinstance(remaining, int) or isinstance(remaining, bool):
        return "remaining_ms should be the integer from context.get_remaining_time_in_millis()."
    if not 0 < remaining <= 5000:
        return f"remaining_ms is {remaining}; with a 5 s timeout it must be between 1 and 5000."
    return None

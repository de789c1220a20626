def lambda_handler(event, context):
    print(f"handling request {context.aws_request_id}")
    return {
        "request_id": context.aws_request_id,
        "function": context.function_name,
        "log_group": context.log_group_name,
        "memory_mb": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }

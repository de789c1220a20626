"""Trusted-side check: the batch was split cleanly into rendered and remaining labels."""


def check_split(ctx):
    labels = ctx.event["labels"]
    result = ctx.payload
    if not isinstance(result, dict):
        return "Return a dict with 'rendered' and 'remaining'."
    rendered, remaining = result.get("rendered"), result.get("remaining")
    if not isinstance(rendered, list) or not isinstance(remaining, list):
        return "'rendered' and 'remaining' should both be lists of label ids."
    if rendered + remaining != labels:
        return "rendered + remaining should be the original labels, in order, each exactly once."
    if not rendered:
        return "Nothing was rendered: there is time for a few labels before stopping."
    if not remaining:
        return "Twelve labels cannot fit in 3 seconds; some should be left for a follow-up."
    return None

import time


def render_label(label_id):
    """Pretend to render a PDF label: about 0.3 s of work."""
    time.sleep(0.3)
    print(f"rendered {label_id}")


def lambda_handler(event, context):
    rendered = []
    for label_id in event["labels"]:
        # TODO: stop when fewer than 1,000 ms remain, and report what is left.
        render_label(label_id)
        rendered.append(label_id)
    return {"rendered": rendered, "remaining": []}

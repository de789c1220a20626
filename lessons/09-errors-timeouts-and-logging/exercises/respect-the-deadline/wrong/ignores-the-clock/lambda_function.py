import time


def render_label(label_id):
    """Pretend to render a PDF label: about 0.3 s of work."""
    time.sleep(0.3)
    print(f"rendered {label_id}")


def lambda_handler(event, context):
    labels = event["labels"]
    for label_id in labels:
        render_label(label_id)
    return {"rendered": labels, "remaining": []}

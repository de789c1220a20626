import time

SAFETY_MARGIN_MS = 1000  # one label (~300 ms) plus generous room to return the result


def render_label(label_id):
    """Pretend to render a PDF label: about 0.3 s of work."""
    time.sleep(0.3)
    print(f"rendered {label_id}")


def lambda_handler(event, context):
    labels = event["labels"]
    done = 0
    while done < len(labels):
        if context.get_remaining_time_in_millis() < SAFETY_MARGIN_MS:
            print(f"stopping early: {len(labels) - done} label(s) left for the next run")
            break
        render_label(labels[done])
        done += 1
    return {"rendered": labels[:done], "remaining": labels[done:]}

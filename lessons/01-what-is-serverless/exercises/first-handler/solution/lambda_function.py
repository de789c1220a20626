import os

# Read configuration once, when the execution environment starts (INIT).
GREETING = os.environ["GREETING"]


def lambda_handler(event, context):
    name = (event.get("name") or "").strip() or "world"
    print(f"greeted {name}")
    return {"message": f"{GREETING}, {name}!"}

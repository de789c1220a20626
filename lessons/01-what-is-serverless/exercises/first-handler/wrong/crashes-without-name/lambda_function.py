import os


def lambda_handler(event, context):
    name = event["name"].strip() or "world"
    print(f"greeted {name}")
    return {"message": f"{os.environ['GREETING']}, {name}!"}

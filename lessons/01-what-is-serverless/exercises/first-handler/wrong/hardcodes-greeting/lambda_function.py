def lambda_handler(event, context):
    name = (event.get("name") or "").strip() or "world"
    print(f"greeted {name}")
    return {"message": f"Hello, {name}!"}

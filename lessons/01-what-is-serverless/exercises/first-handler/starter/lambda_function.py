import os


def lambda_handler(event, context):
    # TODO: read the greeting from os.environ and the name from the event.
    return {"message": "Hello, world!"}

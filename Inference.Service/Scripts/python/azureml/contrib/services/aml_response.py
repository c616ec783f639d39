"""AMLResponse as Azure ML scoring scripts use it: a body, a status and headers (how a script sets CORS headers)."""
import json


class AMLResponse:
    def __init__(self, message, status_code=200, json_str=False, headers=None, mimetype=None, content_type=None):
        if json_str:
            message = json.dumps(message)
        if isinstance(message, str):
            message = message.encode("utf-8")
            default_type = "application/json" if json_str else "text/plain; charset=utf-8"
        elif isinstance(message, (bytes, bytearray)):
            message = bytes(message)
            default_type = "application/octet-stream"
        else:
            message = json.dumps(message).encode("utf-8")
            default_type = "application/json"
        self.body = message
        self.status_code = int(status_code)
        self.headers = dict(headers or {})
        self.content_type = content_type or mimetype or default_type

    def get_data(self):
        return self.body

def _json_type(value):
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if isinstance(value, (list, tuple)):
        return {"type": "array", "items": _json_type(value[0]) if value else {}}
    if isinstance(value, dict):
        return {"type": "object", "properties": {k: _json_type(v) for k, v in value.items()}}
    return {}


class AbstractParameterType:
    def __init__(self, sample_input):
        self.sample_input = sample_input

    def sample_json(self):
        return self.sample_input

    def input_to_swagger(self):
        return _json_type(self.sample_json())

    def deserialize_input(self, value):
        return value

    def serialize_output(self, value):
        return value

from ._base import AbstractParameterType


class StandardPythonParameterType(AbstractParameterType):
    """A plain JSON value (number, string, list, dict); nested parameter types in a dict are converted too."""

    def sample_json(self):
        return _plain(self.sample_input)

    def deserialize_input(self, value):
        if isinstance(self.sample_input, dict) and isinstance(value, dict):
            return {k: self.sample_input[k].deserialize_input(v) if isinstance(self.sample_input.get(k), AbstractParameterType) else v
                    for k, v in value.items()}
        return value

    def serialize_output(self, value):
        return _plain(value)


def _plain(value):
    if isinstance(value, AbstractParameterType):
        return value.sample_json()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "tolist"):
        return value.tolist()
    return value

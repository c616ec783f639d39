import pandas as pd

from ._base import AbstractParameterType


class PandasParameterType(AbstractParameterType):
    """A DataFrame given by a sample: requests (records, or columns) become frames with the sample's columns and types."""

    def __init__(self, sample_input, enforce_column_type=True, enforce_shape=True, orient="records"):
        super().__init__(sample_input)
        self.enforce_column_type = enforce_column_type
        self.orient = orient

    def sample_json(self):
        import json
        return json.loads(self.sample_input.to_json(orient=self.orient))

    def deserialize_input(self, value):
        frame = pd.DataFrame(value) if self.orient != "split" else pd.DataFrame(**value)
        missing = [c for c in self.sample_input.columns if c not in frame.columns]
        if missing:
            raise ValueError(f"missing columns: {missing}")
        frame = frame[list(self.sample_input.columns)]
        if self.enforce_column_type:
            frame = frame.astype(self.sample_input.dtypes.to_dict())
        return frame

    def serialize_output(self, value):
        import json
        return json.loads(value.to_json(orient=self.orient)) if hasattr(value, "to_json") else value

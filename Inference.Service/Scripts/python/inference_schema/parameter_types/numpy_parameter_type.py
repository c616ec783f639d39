import numpy as np

from ._base import AbstractParameterType


class NumpyParameterType(AbstractParameterType):
    """A numpy array given by a sample: requests become arrays of the sample's dtype."""

    def __init__(self, sample_input, enforce_column_type=True, enforce_shape=True):
        super().__init__(np.asarray(sample_input))
        self.enforce_column_type = enforce_column_type
        self.enforce_shape = enforce_shape

    def sample_json(self):
        return self.sample_input.tolist()

    def deserialize_input(self, value):
        array = np.asarray(value, dtype=self.sample_input.dtype if self.enforce_column_type else None)
        if self.enforce_shape and array.ndim != self.sample_input.ndim:
            raise ValueError(f"expected an array of {self.sample_input.ndim} dimensions, got {array.ndim}")
        if self.enforce_shape and array.shape[1:] != self.sample_input.shape[1:]:
            raise ValueError(f"expected rows shaped {list(self.sample_input.shape[1:])}, got {list(array.shape[1:])}")
        return array

    def serialize_output(self, value):
        return value.tolist() if hasattr(value, "tolist") else value

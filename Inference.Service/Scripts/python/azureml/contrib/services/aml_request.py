"""AMLRequest and rawhttp as Azure ML scoring scripts use them: our implementation of those names."""
from urllib.parse import parse_qs


class _Args(dict):
    """Query arguments; get() returns the first value as Flask/werkzeug's MultiDict does."""

    def __init__(self, query):
        super().__init__({k: v for k, v in parse_qs(query, keep_blank_values=True).items()})

    def get(self, key, default=None, type=None):
        values = dict.get(self, key)
        if not values:
            return default
        value = values[0]
        return type(value) if type is not None else value

    def getlist(self, key):
        return list(dict.get(self, key, []))

    def __getitem__(self, key):
        return dict.__getitem__(self, key)[0]


class _Headers(dict):
    """Case-insensitive headers."""

    def __init__(self, pairs):
        super().__init__()
        for key, value in pairs:
            self[key] = value

    def __setitem__(self, key, value):
        dict.__setitem__(self, key.lower(), value)

    def __getitem__(self, key):
        return dict.__getitem__(self, key.lower())

    def __contains__(self, key):
        return dict.__contains__(self, key.lower())

    def get(self, key, default=None):
        return dict.get(self, key.lower(), default)


class AMLRequest:
    """The raw HTTP request a @rawhttp run() receives."""

    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.query_string = query
        self.full_path = path + "?" + query
        self.headers = _Headers(headers)
        self.args = _Args(query)
        self._body = body

    def get_data(self, as_text=False):
        return self._body.decode("utf-8") if as_text else self._body

    @property
    def data(self):
        return self._body

    def get_json(self, force=False, silent=False):
        import json
        try:
            return json.loads(self._body)
        except ValueError:
            if silent:
                return None
            raise

    @property
    def json(self):
        return self.get_json()


def rawhttp(func):
    """Marks run() as taking the whole HTTP request (an AMLRequest) instead of the JSON body as a string."""
    func.__aml_rawhttp__ = True
    return func

"""The mappings of the request API: several values per key, as Werkzeug's MultiDict and
Headers are, which function code reads with ``get``, ``getlist`` and ``[]``."""


class BadRequestKeyError(KeyError):
    """A missing key read with ``[]``: Flask answers 400, and so does kiln."""

    code = 400

    def __init__(self, key):
        super().__init__(key)
        self.description = f"The request has no value for {key!r}."


class MultiDict:
    """Keys in their first order, each with one or more values; ``[]`` and ``get`` give the first."""

    def __init__(self, pairs=()):
        self._values = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    def __getitem__(self, key):
        values = self._values.get(key)
        if not values:
            raise BadRequestKeyError(key)
        return values[0]

    def get(self, key, default=None, type=None):  # noqa: A002 - Werkzeug's name
        values = self._values.get(key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (TypeError, ValueError):
            return default

    def getlist(self, key, type=None):  # noqa: A002 - Werkzeug's name
        values = self._values.get(key, [])
        if type is None:
            return list(values)
        converted = []
        for value in values:
            try:
                converted.append(type(value))
            except (TypeError, ValueError):
                pass
        return converted

    def __contains__(self, key):
        return key in self._values

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def keys(self):
        return self._values.keys()

    def values(self):
        return [values[0] for values in self._values.values()]

    def items(self, multi=False):
        if multi:
            return [(key, value) for key, values in self._values.items() for value in values]
        return [(key, values[0]) for key, values in self._values.items()]

    def lists(self):
        return [(key, list(values)) for key, values in self._values.items()]

    def to_dict(self, flat=True):
        if flat:
            return {key: values[0] for key, values in self._values.items()}
        return {key: list(values) for key, values in self._values.items()}

    def __repr__(self):
        return f"{type(self).__name__}({self.items(multi=True)!r})"


class Headers(MultiDict):
    """HTTP headers: names compare without case, values keep the order they came in."""

    def __init__(self, pairs=()):
        super().__init__()
        self._names = {}
        for name, value in pairs:
            key = name.lower()
            self._names.setdefault(key, name)
            self._values.setdefault(key, []).append(value)

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def get(self, name, default=None, type=None):  # noqa: A002
        return super().get(name.lower(), default, type)

    def getlist(self, name, type=None):  # noqa: A002
        return super().getlist(name.lower(), type)

    def __contains__(self, name):
        return name.lower() in self._values

    def __iter__(self):
        return iter(self.items(multi=True))

    def keys(self):
        return [self._names[key] for key in self._values]

    def items(self, multi=True):
        return [(self._names[key], value) for key, value in super().items(multi=multi)]

    def to_wsgi_list(self):
        return self.items()

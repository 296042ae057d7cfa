"""The base of the generated models: tolerant reading of JSON objects."""
from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Dict, Optional, Tuple, Type, TypeVar

T = TypeVar("T", bound="Model")


class Model:
    """A JSON object of the API as a dataclass.

    Fields the client knows are attributes; fields a newer server adds are kept in `extra`
    (and readable as attributes or with `model["field"]`); `raw` is the object as received.
    """

    _fields: ClassVar[Dict[str, Tuple[str, str, Optional[str]]]] = {}
    #: Every model class by name, filled as the generated module defines them: nested objects are
    #: read into their class without this module importing the generated one.
    _registry: ClassVar[Dict[str, Type["Model"]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Model._registry[cls.__name__] = cls

    @classmethod
    def from_dict(cls: Type[T], data: Any) -> T:
        if not isinstance(data, dict):
            raise TypeError(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
        values: Dict[str, Any] = {}
        known = set()
        for attr, (key, kind, model) in cls._fields.items():
            known.add(key)
            if key not in data:
                continue
            value = data[key]
            if value is not None and model is not None:
                target = Model._registry[model]
                if kind == "model" and isinstance(value, dict):
                    value = target.from_dict(value)
                elif kind == "list_model" and isinstance(value, list):
                    value = [target.from_dict(v) if isinstance(v, dict) else v for v in value]
            values[attr] = value
        obj = cls(**values)
        object.__setattr__(obj, "extra", {k: v for k, v in data.items() if k not in known})
        object.__setattr__(obj, "raw", data)
        return obj

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes that are not fields: fields added by a newer server.
        extra = self.__dict__.get("extra") or {}
        if name in extra:
            return extra[name]
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    def to_dict(self) -> Dict[str, Any]:
        """The object as the server sent it."""
        raw = self.__dict__.get("raw")
        if raw is not None:
            return raw
        out: Dict[str, Any] = {}
        for attr, (key, _kind, _model) in self._fields.items():
            value = getattr(self, attr)
            if value is not None:
                out[key] = value.to_dict() if isinstance(value, Model) else value
        return out

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}"
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if getattr(self, f.name) is not None
        )
        return f"{type(self).__name__}({shown})"

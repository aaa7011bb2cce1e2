"""A minimal reader of Mapbox Vector Tiles (protobuf wire format), for the tests: layers, their features' properties."""

from __future__ import annotations


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) of a message: ints for varints, bytes for length-delimited fields."""
    out, i = [], 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            length, i = _varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        else:
            raise ValueError(f"wire type {wire}")
        out.append((number, value))
    return out


def _packed(data: bytes) -> list[int]:
    values, i = [], 0
    while i < len(data):
        value, i = _varint(data, i)
        values.append(value)
    return values


def read(tile: bytes) -> dict[str, list[dict[str, object]]]:
    """Layer name → its features' properties (strings and integers; geometry left out)."""
    layers: dict[str, list[dict[str, object]]] = {}
    for number, layer in _fields(tile):
        if number != 3:
            continue
        parts = _fields(layer)
        name = next(v for n, v in parts if n == 1).decode()
        keys = [v.decode() for n, v in parts if n == 3]
        values = []
        for n, v in parts:
            if n == 4:
                kind, raw = _fields(v)[0]
                values.append(raw.decode() if kind == 1 else raw)
        features = []
        for n, v in parts:
            if n == 2:
                tags = next((_packed(t) for m, t in _fields(v) if m == 2), [])
                features.append({keys[tags[k]]: values[tags[k + 1]] for k in range(0, len(tags), 2)})
        layers[name] = features
    return layers

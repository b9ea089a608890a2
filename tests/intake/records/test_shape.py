"""Reading parts of a record defensively."""

from types import MappingProxyType

from intake.records.shape import mapping, mappings


def test_an_object_is_read_as_is_and_anything_else_as_empty():
    record = {"victim": {"gender": "f"}}
    proxy = MappingProxyType({"a": 1})
    assert mapping(record["victim"]) is record["victim"]
    assert mapping(proxy) is proxy  # any Mapping, not only dict
    for odd in (None, "text", 3, ["a"], ("a",)):
        assert mapping(odd) == {}


def test_a_list_gives_its_objects_and_anything_else_none():
    first, second = {"kind": "camp"}, MappingProxyType({"kind": "prison"})
    assert mappings([first, "x", None, second, 4]) == [first, second]
    for odd in (None, "text", {"kind": "camp"}, (first,)):
        assert mappings(odd) == []

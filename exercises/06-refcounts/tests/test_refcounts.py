"""Public tests for exercise 6. Convention: `assert actual == expected`.

Correct values are only half of this exercise: every function is also run 1000 times by
`assert_no_leaks`, on its success path and on its error paths, and fails if a reference or a block
of memory is left behind (or an argument loses a reference it should have kept). The grader's
automatic leak hunt re-runs the other tests as well.
"""
import ctypes
import sys
from fractions import Fraction

import pytest
from lessongrader import assert_no_leaks

import refcounts


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


class Broken:
    """An attribute whose lookup fails with something other than AttributeError."""

    @property
    def value(self):
        raise RuntimeError("value is broken")


class Boom:
    """A sequence of length `length` whose item `fail_at` raises."""

    def __init__(self, length, fail_at):
        self.length = length
        self.fail_at = fail_at

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        if index == self.fail_at:
            raise RuntimeError(f"no item {index}")
        if index >= self.length:
            raise IndexError(index)
        return [index * 10]  # a fresh object every time, so a leak shows as allocated memory


class Big:
    """A fresh heap object per instance (unlike small ints, which are shared and cached)."""

    def __init__(self, value):
        self.value = value

    def __add__(self, other):
        return Big(self.value + (other.value if isinstance(other, Big) else other))

    __radd__ = __add__

    def __eq__(self, other):
        return isinstance(other, Big) and self.value == other.value

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):
        return f"Big({self.value})"


def refcount_change(func, *args, obj, calls=100):
    """How far `sys.getrefcount(obj)` moved over `calls` calls of func(*args).

    Extra references keep `obj` alive even if the function releases references it does not own, so
    that bug fails the test instead of crashing the interpreter; the lost references are given back.
    """
    keep_alive = [obj] * (calls + 1)
    before = sys.getrefcount(obj)
    for _ in range(calls):
        try:
            func(*args)
        except Exception:
            pass
    change = sys.getrefcount(obj) - before
    for _ in range(-change):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    del keep_alive
    return change


# --- build_pairs: PyList_New / PyTuple_New, SetItem steals ----------------------------------------


def test_build_pairs():
    assert refcounts.build_pairs(["a", "b", "c"], [1, 2, 3]) == [("a", 1), ("b", 2), ("c", 3)]


def test_build_pairs_returns_a_list_of_tuples():
    pairs = refcounts.build_pairs(["a"], [1])
    assert (type(pairs), type(pairs[0])) == (list, tuple)


def test_build_pairs_any_sequences():
    assert refcounts.build_pairs("xy", (1.5, None)) == [("x", 1.5), ("y", None)]


def test_build_pairs_empty():
    assert refcounts.build_pairs([], ()) == []


def test_build_pairs_keeps_the_very_objects():
    key, value = object(), object()
    [(got_key, got_value)] = refcounts.build_pairs([key], [value])
    assert (got_key is key, got_value is value) == (True, True)


def test_build_pairs_items_keep_their_references():
    key, value = Point(1, 2), Point(3, 4)
    assert refcount_change(refcounts.build_pairs, [key], [value], obj=key) == 0
    assert refcount_change(refcounts.build_pairs, [key], [value], obj=value) == 0


def test_build_pairs_result_outlives_the_inputs():
    pairs = refcounts.build_pairs([Point(1, 2)], [[3, 4]])
    [(point, numbers)] = pairs
    assert (point.x, point.y, numbers) == (1, 2, [3, 4])


def test_build_pairs_length_mismatch_is_value_error():
    with pytest.raises(ValueError) as caught:
        refcounts.build_pairs([1, 2, 3], [1, 2])
    assert str(caught.value) == "keys and values differ in length (3 and 2)"


@pytest.mark.parametrize("bad", [42, None, {1}, {"a": 1}])
def test_build_pairs_not_a_sequence_is_type_error(bad):
    with pytest.raises(TypeError):
        refcounts.build_pairs(bad, [1])
    with pytest.raises(TypeError):
        refcounts.build_pairs([1], bad)


def test_build_pairs_failing_item_propagates():
    with pytest.raises(RuntimeError) as caught:
        refcounts.build_pairs(Boom(4, fail_at=2), [1, 2, 3, 4])
    assert str(caught.value) == "no item 2"
    with pytest.raises(RuntimeError) as caught:
        refcounts.build_pairs(["a", "b", "c", "d"], Boom(4, fail_at=3))
    assert str(caught.value) == "no item 3"


def test_build_pairs_no_leaks():
    assert_no_leaks(refcounts.build_pairs, [Point(1, 2), "k", 3.5], [[1], Point(3, 4), "v"])


def test_build_pairs_no_leaks_when_an_item_fails():
    # The list and the pairs built before item 2 failed must all be released.
    assert_no_leaks(refcounts.build_pairs, Boom(6, fail_at=4), Boom(6, fail_at=6), raises=RuntimeError)
    assert_no_leaks(refcounts.build_pairs, Boom(6, fail_at=6), Boom(6, fail_at=3), raises=RuntimeError)


def test_build_pairs_no_leaks_on_length_mismatch():
    assert_no_leaks(refcounts.build_pairs, [Point(1, 2)], [], raises=ValueError)


# --- invert_dict: PyDict_Next borrows, PyDict_SetItem does not steal ------------------------------


def test_invert_dict():
    assert refcounts.invert_dict({"a": 1, "b": 2, "c": 3}) == {1: "a", 2: "b", 3: "c"}


def test_invert_dict_empty():
    assert refcounts.invert_dict({}) == {}


def test_invert_dict_keeps_the_very_objects():
    key, value = Big(1), Big(2)
    [(got_key, got_value)] = refcounts.invert_dict({key: value}).items()
    assert (got_key is value, got_value is key) == (True, True)


def test_invert_dict_keys_and_values_keep_their_references():
    key, value = Big(1), Big(2)
    mapping = {key: value}
    assert refcount_change(refcounts.invert_dict, mapping, obj=key) == 0
    assert refcount_change(refcounts.invert_dict, mapping, obj=value) == 0


def test_invert_dict_result_outlives_the_input():
    inverted = refcounts.invert_dict({Big(1): Big(2)})
    assert inverted == {Big(2): Big(1)}


def test_invert_dict_does_not_change_the_input():
    mapping = {"a": 1, "b": 2}
    refcounts.invert_dict(mapping)
    assert mapping == {"a": 1, "b": 2}


def test_invert_dict_duplicate_value_is_value_error():
    with pytest.raises(ValueError) as caught:
        refcounts.invert_dict({"a": 1, "b": 2, "c": 1})
    assert str(caught.value) == "duplicate value 1 (keys 'a' and 'c')"


def test_invert_dict_unhashable_value_is_type_error():
    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        refcounts.invert_dict({"a": 1, "b": [2]})


@pytest.mark.parametrize("bad", [[("a", 1)], None, "ab"])
def test_invert_dict_not_a_dict_is_type_error(bad):
    with pytest.raises(TypeError) as caught:
        refcounts.invert_dict(bad)
    assert str(caught.value) == f"expected a dict, not {type(bad).__name__}"


def test_invert_dict_no_leaks():
    assert_no_leaks(refcounts.invert_dict, {Big(n): Big(-n) for n in range(20)})


def test_invert_dict_no_leaks_on_duplicate():
    # The half-built result dict must be released before raising.
    mapping = {Big(n): Big(n % 15) for n in range(20)}
    assert_no_leaks(refcounts.invert_dict, mapping, raises=ValueError)


def test_invert_dict_no_leaks_on_unhashable():
    mapping = {Big(1): Big(1), Big(2): Big(2), Big(3): [3]}
    assert_no_leaks(refcounts.invert_dict, mapping, raises=TypeError)


# --- first_attr: PyObject_GetAttr returns a new reference; clearing AttributeError ----------------


def test_first_attr_first_name():
    assert refcounts.first_attr(Point(1, 2), ("x", "y")) == 1


def test_first_attr_falls_back():
    assert refcounts.first_attr(Point(1, 2), ("z", "w", "y", "x")) == 2


def test_first_attr_returns_the_very_object():
    value = object()
    point = Point(value, None)
    assert refcounts.first_attr(point, ("missing", "x")) is value


def test_first_attr_builtin_attribute():
    assert refcounts.first_attr(3 + 4j, ("real", "imag")) == 3.0


def test_first_attr_does_not_leak_the_attribute():
    value = Big(7)
    point = Point(value, None)
    assert refcount_change(refcounts.first_attr, point, ("nope", "x"), obj=value) == 0


def test_first_attr_none_found_is_attribute_error():
    with pytest.raises(AttributeError) as caught:
        refcounts.first_attr(Point(1, 2), ("a", "b"))
    assert str(caught.value) == "'Point' object has none of the attributes ('a', 'b')"


def test_first_attr_no_names_is_attribute_error():
    with pytest.raises(AttributeError) as caught:
        refcounts.first_attr(5, ())
    assert str(caught.value) == "'int' object has none of the attributes ()"


def test_first_attr_other_errors_propagate():
    with pytest.raises(RuntimeError) as caught:
        refcounts.first_attr(Broken(), ("missing", "value", "__class__"))
    assert str(caught.value) == "value is broken"


def test_first_attr_name_not_a_str_is_type_error():
    with pytest.raises(TypeError, match="attribute name must be string"):
        refcounts.first_attr(Point(1, 2), (42, "x"))


@pytest.mark.parametrize("bad", [["x"], "x", None])
def test_first_attr_names_not_a_tuple_is_type_error(bad):
    with pytest.raises(TypeError) as caught:
        refcounts.first_attr(Point(1, 2), bad)
    assert str(caught.value) == f"expected a tuple of attribute names, not {type(bad).__name__}"


def test_first_attr_no_leaks():
    assert_no_leaks(refcounts.first_attr, Point(Big(1), Big(2)), ("a", "b", "y"))


def test_first_attr_no_leaks_when_none_found():
    assert_no_leaks(refcounts.first_attr, Point(Big(1), Big(2)), ("a", "b"), raises=AttributeError)


def test_first_attr_no_leaks_on_other_errors():
    assert_no_leaks(refcounts.first_attr, Broken(), ("a", "value"), raises=RuntimeError)


# --- sum_list: PyList_GetItem borrows, PyNumber_Add returns a new reference -----------------------


def test_sum_list_ints():
    assert refcounts.sum_list([1, 2, 3, 4]) == 10


def test_sum_list_empty_is_zero():
    assert refcounts.sum_list([]) == 0


def test_sum_list_big_ints():
    assert refcounts.sum_list([10**30, 10**30, -1]) == 2 * 10**30 - 1


def test_sum_list_floats_and_fractions():
    assert refcounts.sum_list([Fraction(1, 3), Fraction(1, 6)]) == Fraction(1, 2)
    assert refcounts.sum_list([0.5, 0.25, 2]) == 2.75


def test_sum_list_objects_with_add():
    assert refcounts.sum_list([Big(1), Big(2), 3]) == Big(6)


def test_sum_list_items_keep_their_references():
    item = Big(5)
    assert refcount_change(refcounts.sum_list, [item, item, 1], obj=item) == 0


def test_sum_list_when_add_shrinks_the_list():
    # `+` runs Python code; here it empties the list half-way, so the sum stops there.
    class Clearer:
        def __radd__(self, other):
            numbers.clear()
            return other + 10

    numbers = [1, 2, Clearer(), 100, 1000]
    assert refcounts.sum_list(numbers) == 13


def test_sum_list_unsupported_item_is_type_error():
    with pytest.raises(TypeError) as caught:
        refcounts.sum_list([1, 2, "three"])
    assert str(caught.value) == "unsupported operand type(s) for +: 'int' and 'str'"


@pytest.mark.parametrize("bad", [(1, 2), {1: 2}, 5])
def test_sum_list_not_a_list_is_type_error(bad):
    with pytest.raises(TypeError) as caught:
        refcounts.sum_list(bad)
    assert str(caught.value) == f"expected a list, not {type(bad).__name__}"


def test_sum_list_no_leaks():
    assert_no_leaks(refcounts.sum_list, [10**30 + n for n in range(50)])


def test_sum_list_no_leaks_on_type_error():
    # The partial sum (a fresh big int) must be released before raising.
    assert_no_leaks(refcounts.sum_list, [10**30, 10**31, None], raises=TypeError)


# --- swap_items: PyList_GetItem borrows, PyList_SetItem steals and releases the old item ----------


def test_swap_items():
    items = ["a", "b", "c", "d"]
    refcounts.swap_items(items, 0, 2)
    assert items == ["c", "b", "a", "d"]


def test_swap_items_returns_none():
    assert refcounts.swap_items([1, 2], 0, 1) is None


def test_swap_items_negative_indices():
    items = [1, 2, 3, 4]
    refcounts.swap_items(items, -1, 1)
    assert items == [1, 4, 3, 2]


def test_swap_items_same_index():
    items = [Big(1), Big(2)]
    refcounts.swap_items(items, 1, 1)
    assert items == [Big(1), Big(2)]


def test_swap_items_only_owner_survives():
    # The list holds the only reference to each item: swapping must not free either.
    items = [Big(10), Big(20), Big(30)]
    refcounts.swap_items(items, 0, 2)
    assert items == [Big(30), Big(20), Big(10)]


def test_swap_items_keeps_references():
    first, second = Big(1), Big(2)
    items = [first, second]
    assert refcount_change(refcounts.swap_items, items, 0, 1, obj=first) == 0
    assert refcount_change(refcounts.swap_items, items, 0, 1, obj=second) == 0


@pytest.mark.parametrize("i, j", [(0, 3), (3, 0), (-4, 1), (1, -4)])
def test_swap_items_bad_index_is_index_error_and_list_unchanged(i, j):
    items = [1, 2, 3]
    with pytest.raises(IndexError) as caught:
        refcounts.swap_items(items, i, j)
    assert str(caught.value) == "list index out of range"
    assert items == [1, 2, 3]


def test_swap_items_not_a_list_is_type_error():
    with pytest.raises(TypeError) as caught:
        refcounts.swap_items((1, 2), 0, 1)
    assert str(caught.value) == "expected a list, not tuple"


def test_swap_items_index_not_an_int_is_type_error():
    with pytest.raises(TypeError):
        refcounts.swap_items([1, 2], "0", 1)


def test_swap_items_no_leaks():
    # 1000 calls, an even number: the list ends as it began.
    assert_no_leaks(refcounts.swap_items, [Big(1), Big(2), Big(3)], 0, -1)


def test_swap_items_no_leaks_on_bad_index():
    assert_no_leaks(refcounts.swap_items, [Big(1), Big(2)], 0, 5, raises=IndexError)


# --- lookup_path: a chain of borrowed references, one new reference at the end --------------------


def test_lookup_path():
    assert refcounts.lookup_path({"a": {"b": {"c": 42}}}, ("a", "b", "c")) == 42


def test_lookup_path_partial():
    assert refcounts.lookup_path({"a": {"b": {"c": 42}}}, ("a", "b")) == {"c": 42}


def test_lookup_path_empty_path_is_the_mapping_itself():
    mapping = {"a": 1}
    assert refcounts.lookup_path(mapping, ()) is mapping


def test_lookup_path_returns_the_very_object():
    value = Big(3)
    assert refcounts.lookup_path({1: {2: value}}, (1, 2)) is value


def test_lookup_path_does_not_steal_the_value():
    value = Big(3)
    mapping = {"a": {"b": value}}
    assert refcount_change(refcounts.lookup_path, mapping, ("a", "b"), obj=value) == 0
    assert refcount_change(refcounts.lookup_path, mapping, ("a",), obj=mapping["a"]) == 0


def test_lookup_path_missing_key_is_key_error():
    with pytest.raises(KeyError) as caught:
        refcounts.lookup_path({"a": {"b": 1}}, ("a", "x"))
    assert caught.value.args == ("x",)


def test_lookup_path_missing_tuple_key_is_key_error():
    with pytest.raises(KeyError) as caught:
        refcounts.lookup_path({(1, 2): 3}, ((2, 1),))
    assert caught.value.args == ((2, 1),)


def test_lookup_path_through_a_non_dict_is_type_error():
    with pytest.raises(TypeError) as caught:
        refcounts.lookup_path({"a": 1}, ("a", "b"))
    assert str(caught.value) == "expected a dict at path[1], not int"


def test_lookup_path_unhashable_key_is_type_error():
    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        refcounts.lookup_path({"a": 1}, (["a"],))


def test_lookup_path_mapping_not_a_dict_is_type_error():
    with pytest.raises(TypeError) as caught:
        refcounts.lookup_path([1], (0,))
    assert str(caught.value) == "expected a dict at path[0], not list"


def test_lookup_path_path_not_a_tuple_is_type_error():
    with pytest.raises(TypeError) as caught:
        refcounts.lookup_path({"a": 1}, ["a"])
    assert str(caught.value) == "expected a tuple of keys, not list"


def test_lookup_path_no_leaks():
    assert_no_leaks(refcounts.lookup_path, {"a": {"b": Big(1)}}, ("a", "b"))


def test_lookup_path_no_leaks_on_missing_key():
    assert_no_leaks(refcounts.lookup_path, {"a": {"b": Big(1)}}, ("a", "c"), raises=KeyError)

import pytest

from stormwatch.ingest.jsontext import MAX_DEPTH, JsonInputError, loads, nesting_depth


def test_a_body_nested_200000_deep_is_an_error_not_a_crash() -> None:
    for text in ("[" * 200_000 + "]" * 200_000, '{"a":' * 200_000 + "1" + "}" * 200_000):
        with pytest.raises(JsonInputError, match="nested deeper than 64"):
            loads(text)


def test_nesting_up_to_the_limit_is_read() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert nesting_depth(text) == MAX_DEPTH
    assert loads(text) is not None
    with pytest.raises(JsonInputError):
        loads("[" + text + "]")


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"text": "' + "[{" * 500 + '\\"[[["}'
    assert nesting_depth(text) == 1
    assert loads(text)["text"].startswith("[{")


def test_numbers_too_long_for_the_interpreter_and_bad_bytes_are_errors() -> None:
    with pytest.raises(JsonInputError, match="digits"):
        loads('{"likes": ' + "9" * 5000 + "}")
    with pytest.raises(JsonInputError, match="UTF-8"):
        loads(b'{"text": "\xff"}')
    with pytest.raises(JsonInputError, match="column"):
        loads("{")
    assert loads(b'{"a": [1]}') == {"a": [1]}


def test_escaped_backslashes_end_a_string_and_an_unterminated_one_hides_the_rest() -> None:
    # "\\" is a whole string (an escaped backslash): the brackets after it count.
    assert nesting_depth('["\\\\", [[1]]]') == 3
    # An unterminated string swallows what follows, as a JSON reader would.
    assert nesting_depth('[[ "abc [[[[') == 2
    assert nesting_depth('[[ "abc\\') == 2
    # Thousands of escaped quotes with no closing one: read once, not again from every quote.
    assert nesting_depth('["' + '\\"' * 200_000) == 1
    with pytest.raises(JsonInputError):
        loads('["' + '\\"' * 200_000)

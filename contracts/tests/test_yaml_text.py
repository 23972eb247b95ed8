"""The YAML writer keeps every value's meaning: strings stay strings, nesting stays nesting."""

from __future__ import annotations

from textwrap import dedent

from vanthu_contracts.yaml_text import to_yaml


def test_strings_that_look_like_other_things_stay_strings():
    text = to_yaml({"status": "01", "version": "1.0", "answer": "no", "nothing": None})

    assert text == 'status: "01"\nversion: "1.0"\nanswer: "no"\nnothing: null\n'


def test_keys_that_a_yaml_reader_would_misread_are_quoted():
    text = to_yaml({"on": 1, "y": 2, "01": 3, "$ref": "#/x", "cleanup.policy": ["delete"]})

    assert text == dedent(
        """\
        "on": 1
        "y": 2
        "01": 3
        $ref: "#/x"
        cleanup.policy:
          - "delete"
        """
    )


def test_nested_mappings_and_lists_of_mappings_are_indented():
    text = to_yaml(
        {"messages": [{"$ref": "#/a", "extra": {"b": True}}, {"$ref": "#/c"}], "empty": {}}
    )

    assert text == dedent(
        """\
        messages:
          - $ref: "#/a"
            extra:
              b: true
          - $ref: "#/c"
        empty: {}
        """
    )


def test_vietnamese_text_is_written_as_is():
    assert to_yaml({"title": "Văn thư"}) == 'title: "Văn thư"\n'

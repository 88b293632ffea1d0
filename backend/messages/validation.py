"""Why a request's fields are not accepted (422), one text per pydantic error type.

`{field}` is the field as the pages name it (backend/messages/fields.py); the other placeholders are the
limits pydantic reports. backend/api/handlers.py joins the texts of up to five errors into
`invalid_request`'s `{problems}`.
"""

from backend.messages.entry import DETAIL, INVALID, Message

MESSAGES = {
    "invalid_request": Message("リクエストが正しくありません: {problems}", "The request is not valid: {problems}.",
                               INVALID),
    "field_missing": Message("{field}を入力してください。", "{field} is required", DETAIL),
    "field_too_short": Message("{field}は{min_length}文字以上で入力してください。",
                               "{field} must be at least {min_length} characters long", DETAIL),
    "field_too_long": Message("{field}は{max_length}文字以内で入力してください。",
                              "{field} must be at most {max_length} characters long", DETAIL),
    "field_too_few": Message("{field}は{min_length}件以上にしてください。", "{field} needs at least {min_length} items",
                             DETAIL),
    "field_too_many": Message("{field}は{max_length}件以内にしてください。", "{field} takes at most {max_length} items",
                              DETAIL),
    "field_greater_than": Message("{field}は{gt}より大きい数にしてください。", "{field} must be greater than {gt}", DETAIL),
    "field_at_least": Message("{field}は{ge}以上にしてください。", "{field} must be {ge} or more", DETAIL),
    "field_less_than": Message("{field}は{lt}未満にしてください。", "{field} must be less than {lt}", DETAIL),
    "field_at_most": Message("{field}は{le}以下にしてください。", "{field} must be {le} or less", DETAIL),
    "field_integer": Message("{field}は整数で入力してください。", "{field} must be a whole number", DETAIL),
    "field_number": Message("{field}は数値で入力してください。", "{field} must be a number", DETAIL),
    "field_boolean": Message("{field}は true か false にしてください。", "{field} must be true or false", DETAIL),
    "field_text": Message("{field}は文字列で入力してください。", "{field} must be text", DETAIL),
    "field_pattern": Message("{field}の形式が正しくありません。", "{field} is not in the expected form", DETAIL),
    "field_choice": Message("{field}は次のいずれかにしてください: {expected}。", "{field} must be one of {expected}",
                            DETAIL),
    "field_list": Message("{field}は一覧（配列）にしてください。", "{field} must be a list", DETAIL),
    "field_object": Message("{field}はオブジェクトにしてください。", "{field} must be an object", DETAIL),
    "field_unknown": Message("{field}という項目はありません。", "{field} is not a known field", DETAIL),
    "field_date": Message("{field}は日付（YYYY-MM-DD）で入力してください。", "{field} must be a date (YYYY-MM-DD)", DETAIL),
    "field_datetime": Message("{field}は日時で入力してください（例 2026-12-01T10:00:00+09:00）。",
                              "{field} must be a date and time, e.g. 2026-12-01T10:00:00+09:00", DETAIL),
    "field_url": Message("{field}は URL で入力してください。", "{field} must be a URL", DETAIL),
    "field_value": Message("{field}の値が正しくありません（{reason}）。", "{field}: {reason}", DETAIL),
    "body_not_json": Message("本文が JSON として読めません。", "the body is not valid JSON", DETAIL),
}

# pydantic error type -> the code above; a type not listed gets "field_value" with pydantic's own words.
TYPES = {
    "missing": "field_missing", "missing_argument": "field_missing",
    "string_too_short": "field_too_short", "string_too_long": "field_too_long",
    "too_short": "field_too_few", "too_long": "field_too_many",
    "greater_than": "field_greater_than", "greater_than_equal": "field_at_least",
    "less_than": "field_less_than", "less_than_equal": "field_at_most",
    "int_parsing": "field_integer", "int_type": "field_integer", "int_from_float": "field_integer",
    "int_parsing_size": "field_integer",
    "float_parsing": "field_number", "float_type": "field_number", "decimal_parsing": "field_number",
    "decimal_type": "field_number", "finite_number": "field_number",
    "bool_parsing": "field_boolean", "bool_type": "field_boolean",
    "string_type": "field_text", "string_unicode": "field_text",
    "string_pattern_mismatch": "field_pattern",
    "enum": "field_choice", "literal_error": "field_choice",
    "list_type": "field_list", "tuple_type": "field_list", "set_type": "field_list",
    "dict_type": "field_object", "model_type": "field_object", "model_attributes_type": "field_object",
    "extra_forbidden": "field_unknown",
    "date_parsing": "field_date", "date_type": "field_date", "date_from_datetime_parsing": "field_date",
    "datetime_parsing": "field_datetime", "datetime_type": "field_datetime", "datetime_from_date_parsing": "field_datetime",
    "url_parsing": "field_url", "url_type": "field_url", "url_scheme": "field_url",
    "json_invalid": "body_not_json", "json_type": "body_not_json",
}

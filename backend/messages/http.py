"""Answers of the HTTP layer itself: unknown path, wrong method, body too large, our own failure."""

from backend.messages.entry import (BAD_REQUEST, CONFLICT, DETAIL, FAILED, FORBIDDEN, INVALID, NOT_ALLOWED, NOT_FOUND,
                                    TEXT, TOO_LARGE, TOO_MANY, UNAUTHORIZED, UNSUPPORTED, Message)

MESSAGES = {
    "bad_request": Message("リクエストが正しくありません。", "The request is not valid.", BAD_REQUEST),
    "unauthorized": Message("サインインが必要です。", "Sign-in is required.", UNAUTHORIZED),
    "forbidden": Message("この操作は許可されていません。", "You may not do this.", FORBIDDEN),
    "not_found": Message("見つかりません。", "Not found.", NOT_FOUND),
    "method_not_allowed": Message("このメソッドは使用できません。", "This method is not allowed here.", NOT_ALLOWED),
    "conflict": Message("現在の状態と矛盾します。", "This conflicts with the current state.", CONFLICT),
    "body_too_large": Message("リクエストの本文が大きすぎます。", "The request body is too large.", TOO_LARGE),
    "body_limit": Message(" 上限は {limit} バイトです。", "The limit is {limit} bytes.", DETAIL),
    "unsupported_media_type": Message("対応していないコンテンツタイプです。", "Unsupported content type.", UNSUPPORTED),
    "too_many_requests": Message("リクエストが多すぎます。しばらくしてから再試行してください。",
                                 "Too many requests; try again later.", TOO_MANY),
    "http_error": Message("リクエストは失敗しました。", "Request failed.", BAD_REQUEST),
    "value_out_of_range": Message("リクエストの数値が範囲外です（ID や数量は 2^63 - 1 以下）。",
                                  "A number in the request is out of range (ids and counts are at most 2^63 - 1).",
                                  INVALID),
    # backend/api/origin.py: a page elsewhere (even another port of this host) sent it with our cookie
    "cross_origin_refused": Message("他のサイトから送られた操作のため、受け付けませんでした。"
                                    "このサービスのページから操作してください。",
                                    "Refused: this request came from another site. Use this service's own pages.",
                                    FORBIDDEN),
    "internal_error": Message("内部エラーが発生しました。記録されています。", "Internal error; it has been logged.", FAILED),
    # What GET /health says is degraded (backend/api/public/health.py)
    "health_database_down": Message("データベースが応答しません。", "The database does not answer.", TEXT),
    "settings_unknown_chain": Message(
        "RESIDENT_CHAIN_ID={chain_id} のチェーンの設定（確定ブロック数・手数料・エクスプローラー）がありません。"
        "次のいずれかを設定してください: {known}",
        "There is no profile (finality, fees, explorer) for the chain RESIDENT_CHAIN_ID={chain_id}: set one of "
        "{known}.", TEXT),
    "health_chain_down": Message("ブロックチェーンのノードが応答しません。", "The blockchain node does not answer.", TEXT),
    "health_index_not_caught_up": Message("インデックスはまだチェーンに追いついていません。",
                                          "The index has not caught up with the chain yet.", TEXT),
    "health_index_stale": Message("インデックスは {seconds} 秒間チェーンに追いついていません。",
                                  "The index has not caught up with the chain for {seconds} s.", TEXT),
    "health_index_behind": Message("インデックスはチェーンより {blocks} ブロック遅れています。",
                                   "The index is {blocks} blocks behind the chain.", TEXT),
    # What GET /health warns of in the backend's keys (backend/chain/roles.py); not degraded, but to fix
    "health_key_role_excess": Message("{key} の鍵 {address} は {contract} {contract_address} の {role} を持っています。"
                                      "この鍵には不要な権限です。管理者の鍵で取り消してください。",
                                      "The {key} key {address} holds {role} on the {contract} {contract_address}, "
                                      "which it should not: revoke it with the administrator key.", TEXT),
    "health_key_role_missing": Message("{key} の鍵 {address} に {contract} {contract_address} の {role} がありません。"
                                       "管理者の鍵で付与してください。",
                                       "The {key} key {address} lacks {role} on the {contract} {contract_address}: "
                                       "grant it with the administrator key.", TEXT),
    "health_key_shared": Message("{key} の鍵 {address} は {role} の鍵と同じです。役割ごとに別の鍵を使ってください。",
                                 "The {key} key {address} is also the {role} key: give each role its own key.", TEXT),
}

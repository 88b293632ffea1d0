"""Public reads: cards by token, card metadata and stored files (backend/api/public/)."""

from backend.messages.entry import BAD_REQUEST, DETAIL, FAILED, INVALID, NOT_FOUND, TEXT, Message

MESSAGES = {
    "card_in_collection": Message("（コレクション {collection_id} のカード {token_id}）",
                                  "(card {token_id} of collection {collection_id})", DETAIL),
    "card_gone": Message("{symbol} のカード {token_id} は存在しません（{card_status}）。",
                         "Card {token_id} of {symbol} no longer exists ({card_status}).", TEXT),
    "invalid_address": Message("イーサリアムのアドレスではありません: {address!r}", "Not an Ethereum address: {address!r}.",
                               INVALID),
    "invalid_cid": Message("CID が正しくありません（CIDv1・base32・sha2-256 のみ）: {reason}", "Not a usable CID: {reason}",
                           BAD_REQUEST),
    "content_not_found": Message("{cid} はここに保存されていません。", "{cid} is not stored here.", NOT_FOUND),
    "content_corrupt": Message("{cid} の保存データが破損しています。再保存が必要です。",
                               "The stored copy of {cid} is damaged; it must be stored again.", FAILED),
}

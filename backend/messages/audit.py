"""The audit log's refusals (backend/api/staff/audit.py)."""

from backend.messages.entry import FORBIDDEN, INVALID, Message

MESSAGES = {
    "audit_all_superuser": Message("全自治体の監査ログはスーパーユーザーのみ閲覧できます。",
                                   "Only a superuser may read the audit log of every municipality.", FORBIDDEN),
    "audit_range_invalid": Message("期間が正しくありません。開始は終了より前にしてください。",
                                   "The time range is not valid: its start must come before its end.", INVALID),
}

-- 0012: the Telegram door keeps its hosted media in check. A redelivered message finds the
-- draft it already made (chat, message); the per-person media cap sums what a person holds;
-- housekeeping expires open drafts by age and releases media whose post ended.

CREATE INDEX telegram_drafts_message ON telegram_drafts (chat_id, message_id);
CREATE INDEX telegram_drafts_user ON telegram_drafts (user_id, state);
CREATE INDEX telegram_drafts_open_age ON telegram_drafts (created_at) WHERE state = 'open';
CREATE INDEX telegram_media_held ON telegram_media (draft_id) WHERE delete_after = 0;

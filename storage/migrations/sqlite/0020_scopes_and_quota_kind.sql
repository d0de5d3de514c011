-- 0020: what an account's token may do, so a door refuses at once what Threads would refuse
-- later, and which quota a waiting post waits for.
--
-- accounts.scopes: the scopes the token was granted, comma-separated, recorded at link time
-- (the scopes asked for, which the completed consent grants); '' for an account linked before
-- Spindle recorded them (unknown: nothing is refused at the door for it).
-- accounts.scopes_missing: scopes Threads refused a call for since the last link (code 10 on a
-- reply, a delete, insights), comma-separated; linking again clears it.
ALTER TABLE accounts ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN scopes_missing TEXT NOT NULL DEFAULT '';

-- publish_state.delayed_kind: the quota ('posts' or 'replies') a post waiting for quota waits
-- for, so a newly delayed post counts only the posts ahead of it in the same quota; '' for rows
-- from before (counted with every kind, as before).
ALTER TABLE publish_state ADD COLUMN delayed_kind TEXT NOT NULL DEFAULT '';

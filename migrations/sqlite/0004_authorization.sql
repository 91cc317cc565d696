-- 3-D Secure: a charge may be pending until the payer authenticates, and a
-- single-use link with such a charge takes no other payment meanwhile.

ALTER TABLE charges ADD COLUMN status TEXT NOT NULL DEFAULT 'successful';
UPDATE charges SET status = 'failed' WHERE failure_code IS NOT NULL;
ALTER TABLE charges ADD COLUMN authorize BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE charges ADD COLUMN authorize_expires_at BIGINT;
ALTER TABLE charges ADD COLUMN completed_at BIGINT;
ALTER TABLE charges ADD COLUMN failure_message TEXT;
-- What the expiry worker looks for.
CREATE INDEX charges_pending ON charges (authorize_expires_at) WHERE status = 'pending';

ALTER TABLE links ADD COLUMN pending_charge_id TEXT;

-- +goose Up
-- A purge leaves evidence that verify checks: the chain's head keeps the oldest event not
-- purged (first_seq) and the hash of the last one purged (first_prev_hash, the prev_hash
-- that first_seq links to; '' when nothing was purged), moved in the transaction of the
-- DELETE; and the purge's own event carries the range it removed, sealed into its hash.
ALTER TABLE audit_chain ADD COLUMN first_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_chain ADD COLUMN first_prev_hash VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE audit_event ADD COLUMN purge_from_seq BIGINT;
ALTER TABLE audit_event ADD COLUMN purge_to_seq BIGINT;
ALTER TABLE audit_event ADD COLUMN purge_last_hash VARCHAR(64);

-- Purges before this migration recorded only the last seq they removed (resource_id of
-- their sealed event): the newest one says where the chain now starts. Events missing
-- without such a purge stay missing, and verify reports them.
UPDATE audit_chain SET first_seq = 1 + COALESCE((
    SELECT resource_id FROM audit_event WHERE seq = (
        SELECT max(seq) FROM audit_event
        WHERE action = 'purge' AND resource_type = 'audit_event' AND resource_id IS NOT NULL)), 0)
WHERE id = 1;
UPDATE audit_chain SET first_prev_hash = COALESCE((
    SELECT prev_hash FROM audit_event WHERE seq = audit_chain.first_seq), '')
WHERE id = 1 AND first_seq > 1;

-- +goose Down
ALTER TABLE audit_event DROP COLUMN purge_last_hash;
ALTER TABLE audit_event DROP COLUMN purge_to_seq;
ALTER TABLE audit_event DROP COLUMN purge_from_seq;
ALTER TABLE audit_chain DROP COLUMN first_prev_hash;
ALTER TABLE audit_chain DROP COLUMN first_seq;

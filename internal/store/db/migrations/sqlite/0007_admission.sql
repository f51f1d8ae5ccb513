-- 0007: admission control and pacing for campaigns. Meta counts the unique
-- people a business portfolio reaches with business-initiated messages over a
-- moving 24 hours; the feeder reads that reach (and a number's campaign sends
-- today, for a daily cap) from this index instead of the whole messages table.
CREATE INDEX messages_reach ON messages (connection_id, created_at) WHERE direction = 'outbound' AND (type = 'template' OR lane = 2);

-- A campaign's pacing per connection across instances: when its next
-- recipient may be queued (a random delay range between messages).
CREATE TABLE campaign_pacing (
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL,
    next_at       TEXT NOT NULL,
    PRIMARY KEY (campaign_id, connection_id)
);

ALTER TABLE campaigns ADD COLUMN pacing TEXT NOT NULL DEFAULT '{}';

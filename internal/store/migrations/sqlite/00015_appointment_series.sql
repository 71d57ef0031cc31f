-- +goose Up
-- A recurring series: its rule, and the occurrences that are ordinary appointment rows
-- pointing at it, so that the rule of no double booking holds for each of them.
CREATE TABLE appointment_series (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    frequency    VARCHAR(10) NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    repeat_every INTEGER NOT NULL CHECK (repeat_every BETWEEN 1 AND 12),
    occurrences  INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
ALTER TABLE appointment ADD COLUMN series_id INTEGER REFERENCES appointment_series (id);
CREATE INDEX appointment_series_idx ON appointment (series_id, appointment_datetime) WHERE series_id IS NOT NULL;

-- +goose Down
DROP INDEX appointment_series_idx;
ALTER TABLE appointment DROP COLUMN series_id;
DROP TABLE appointment_series;

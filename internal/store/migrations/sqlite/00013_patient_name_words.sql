-- +goose Up
-- The words of each patient's name, lower-cased, one row each, for the ranked patient search
-- (`q`): the patients with a name word starting with the term are one range of
-- patient_name_word_idx, in the order of the ranking, whatever the size of the register.
-- Names split at white space and - ' . , " / ( ) \, the same on both databases
-- (PostgreSQL's migration 00013). SQLite's lower() folds only ASCII letters. The trigger
-- splits a name by turning it into a JSON array of its words.
CREATE TABLE patient_name_word (
    patient_id INTEGER NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    word       TEXT NOT NULL,
    PRIMARY KEY (patient_id, word)
) WITHOUT ROWID;
CREATE INDEX patient_name_word_idx ON patient_name_word (word, patient_id);

INSERT OR IGNORE INTO patient_name_word (patient_id, word)
SELECT p.id, w.value FROM patient p, json_each('[' || replace(json_quote(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(p.name), char(9), ' '), char(10), ' '), char(11), ' '), char(12), ' '), char(13), ' '), '-', ' '), '''', ' '), '.', ' '), ',', ' '), '"', ' '), '/', ' '), '(', ' '), ')', ' '), '\', ' ')), ' ', '","') || ']') w WHERE w.value <> '';

-- +goose StatementBegin
CREATE TRIGGER patient_name_word_insert AFTER INSERT ON patient BEGIN
    INSERT OR IGNORE INTO patient_name_word (patient_id, word)
    SELECT new.id, w.value FROM json_each('[' || replace(json_quote(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(new.name), char(9), ' '), char(10), ' '), char(11), ' '), char(12), ' '), char(13), ' '), '-', ' '), '''', ' '), '.', ' '), ',', ' '), '"', ' '), '/', ' '), '(', ' '), ')', ' '), '\', ' ')), ' ', '","') || ']') w WHERE w.value <> '';
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER patient_name_word_update AFTER UPDATE OF name ON patient BEGIN
    DELETE FROM patient_name_word WHERE patient_id = old.id;
    INSERT OR IGNORE INTO patient_name_word (patient_id, word)
    SELECT new.id, w.value FROM json_each('[' || replace(json_quote(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(new.name), char(9), ' '), char(10), ' '), char(11), ' '), char(12), ' '), char(13), ' '), '-', ' '), '''', ' '), '.', ' '), ',', ' '), '"', ' '), '/', ' '), '(', ' '), ')', ' '), '\', ' ')), ' ', '","') || ']') w WHERE w.value <> '';
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER patient_name_word_update;
DROP TRIGGER patient_name_word_insert;
DROP TABLE patient_name_word;

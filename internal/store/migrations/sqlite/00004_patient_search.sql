-- +goose Up
-- A trigram full-text index of the searchable columns, kept in step by triggers: the
-- patient search (`q`) finds the candidates for a substring of three or more characters
-- through it instead of reading every patient, then applies its usual LIKE match to them.
CREATE VIRTUAL TABLE patient_search USING fts5 (name, email, phone, content = 'patient', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO patient_search (patient_search) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER patient_search_insert AFTER INSERT ON patient BEGIN
    INSERT INTO patient_search (rowid, name, email, phone) VALUES (new.id, new.name, new.email, new.phone);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER patient_search_delete AFTER DELETE ON patient BEGIN
    INSERT INTO patient_search (patient_search, rowid, name, email, phone) VALUES ('delete', old.id, old.name, old.email, old.phone);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER patient_search_update AFTER UPDATE OF name, email, phone ON patient BEGIN
    INSERT INTO patient_search (patient_search, rowid, name, email, phone) VALUES ('delete', old.id, old.name, old.email, old.phone);
    INSERT INTO patient_search (rowid, name, email, phone) VALUES (new.id, new.name, new.email, new.phone);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER patient_search_update;
DROP TRIGGER patient_search_delete;
DROP TRIGGER patient_search_insert;
DROP TABLE patient_search;

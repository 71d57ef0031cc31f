-- +goose Up
-- The patient search (`q`) also matches the medical record number (migration 00005): the
-- trigram index gains the column. Its triggers are created after 00005's trigger that
-- fills in a missing MRN, so they run first on an insert and then see that update as one.
DROP TRIGGER patient_search_update;
DROP TRIGGER patient_search_delete;
DROP TRIGGER patient_search_insert;
DROP TABLE patient_search;

CREATE VIRTUAL TABLE patient_search USING fts5 (name, email, phone, mrn, content = 'patient', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO patient_search (patient_search) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER patient_search_insert AFTER INSERT ON patient BEGIN
    INSERT INTO patient_search (rowid, name, email, phone, mrn) VALUES (new.id, new.name, new.email, new.phone, new.mrn);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER patient_search_delete AFTER DELETE ON patient BEGIN
    INSERT INTO patient_search (patient_search, rowid, name, email, phone, mrn) VALUES ('delete', old.id, old.name, old.email, old.phone, old.mrn);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER patient_search_update AFTER UPDATE OF name, email, phone, mrn ON patient BEGIN
    INSERT INTO patient_search (patient_search, rowid, name, email, phone, mrn) VALUES ('delete', old.id, old.name, old.email, old.phone, old.mrn);
    INSERT INTO patient_search (rowid, name, email, phone, mrn) VALUES (new.id, new.name, new.email, new.phone, new.mrn);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER patient_search_update;
DROP TRIGGER patient_search_delete;
DROP TRIGGER patient_search_insert;
DROP TABLE patient_search;

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

-- +goose Up
-- The words of each patient's name, lower-cased, one row each, for the ranked patient search
-- (`q`): the patients with a name word starting with the term are one range of
-- patient_name_word_idx, whatever the size of the register, instead of a walk of the
-- primary key or a bitmap of every patient the trigram index finds, and in the order of the
-- ranking (word, then id). Names split at white space and - ' . , " / ( ) \, the same on
-- both databases (SQLite's migration 00013).
CREATE TABLE patient_name_word (
    patient_id BIGINT NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    word       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (patient_id, word)
);
CREATE INDEX patient_name_word_idx ON patient_name_word (word, patient_id);

INSERT INTO patient_name_word (patient_id, word)
SELECT DISTINCT p.id, w FROM patient p, regexp_split_to_table(lower(p.name), '[-[:space:]''.,"/()\\]+') AS w WHERE w <> '';

-- One statement that loads many patients (COPY in `hms seed`, a FHIR import) splits their
-- names in one INSERT: a trigger per statement, with the new rows as a table.
-- +goose StatementBegin
CREATE FUNCTION patient_name_words_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO patient_name_word (patient_id, word)
    SELECT DISTINCT n.id, w FROM new_patients n, regexp_split_to_table(lower(n.name), '[-[:space:]''.,"/()\\]+') AS w WHERE w <> '';
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER patient_name_words_insert AFTER INSERT ON patient REFERENCING NEW TABLE AS new_patients
    FOR EACH STATEMENT EXECUTE FUNCTION patient_name_words_insert();

-- +goose StatementBegin
CREATE FUNCTION patient_name_words_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        DELETE FROM patient_name_word WHERE patient_id = OLD.id;
        INSERT INTO patient_name_word (patient_id, word)
        SELECT DISTINCT NEW.id, w FROM regexp_split_to_table(lower(NEW.name), '[-[:space:]''.,"/()\\]+') AS w WHERE w <> '';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER patient_name_words_update AFTER UPDATE OF name ON patient
    FOR EACH ROW EXECUTE FUNCTION patient_name_words_update();

-- +goose Down
DROP TRIGGER patient_name_words_update ON patient;
DROP FUNCTION patient_name_words_update();
DROP TRIGGER patient_name_words_insert ON patient;
DROP FUNCTION patient_name_words_insert();
DROP TABLE patient_name_word;

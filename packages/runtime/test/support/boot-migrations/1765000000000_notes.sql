CREATE TABLE IF NOT EXISTS boot_notes (id serial PRIMARY KEY, note text NOT NULL);

-- Level 15: the catalog revision.
--
-- One row whose value changes with every change to the catalog: the
-- services, their performers, the staff members and their weekly hours,
-- the date overrides and the blocked periods. The engine keeps the catalog
-- it read until the value differs (`CatalogStore::catalog_revision`):
-- nearly every step of a booking needs the catalog, and it changes a few
-- times a month. Triggers change the value inside the transaction of the
-- change, whoever writes it (the store, an import, an operator with the
-- sqlite3 shell). The value is random, not a counter: only equality means
-- something, and a counter would come back to an old value, with another
-- catalog, after a restore.
CREATE TABLE catalog_revision (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    revision INTEGER NOT NULL
) STRICT;

INSERT INTO catalog_revision (only_row, revision) VALUES (1, random());

CREATE TRIGGER services_insert_changes_the_catalog_revision AFTER INSERT ON services
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER services_update_changes_the_catalog_revision AFTER UPDATE ON services
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER services_delete_changes_the_catalog_revision AFTER DELETE ON services
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER service_performers_insert_changes_the_catalog_revision AFTER INSERT ON service_performers
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER service_performers_update_changes_the_catalog_revision AFTER UPDATE ON service_performers
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER service_performers_delete_changes_the_catalog_revision AFTER DELETE ON service_performers
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER staff_insert_changes_the_catalog_revision AFTER INSERT ON staff
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER staff_update_changes_the_catalog_revision AFTER UPDATE ON staff
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER staff_delete_changes_the_catalog_revision AFTER DELETE ON staff
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER staff_hours_insert_changes_the_catalog_revision AFTER INSERT ON staff_hours
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER staff_hours_update_changes_the_catalog_revision AFTER UPDATE ON staff_hours
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER staff_hours_delete_changes_the_catalog_revision AFTER DELETE ON staff_hours
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER date_overrides_insert_changes_the_catalog_revision AFTER INSERT ON date_overrides
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER date_overrides_update_changes_the_catalog_revision AFTER UPDATE ON date_overrides
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER date_overrides_delete_changes_the_catalog_revision AFTER DELETE ON date_overrides
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER date_override_periods_insert_changes_the_catalog_revision AFTER INSERT ON date_override_periods
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER date_override_periods_update_changes_the_catalog_revision AFTER UPDATE ON date_override_periods
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER date_override_periods_delete_changes_the_catalog_revision AFTER DELETE ON date_override_periods
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER time_off_insert_changes_the_catalog_revision AFTER INSERT ON time_off
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER time_off_update_changes_the_catalog_revision AFTER UPDATE ON time_off
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

CREATE TRIGGER time_off_delete_changes_the_catalog_revision AFTER DELETE ON time_off
BEGIN
    UPDATE catalog_revision SET revision = random();
END;

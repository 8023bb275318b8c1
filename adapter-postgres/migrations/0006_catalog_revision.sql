-- The catalog revision.
--
-- One row whose value changes with every change to the catalog (the
-- services, their performers, the staff members and their weekly hours,
-- the date overrides and the blocked periods), so each instance's engine
-- keeps the catalog it read until the value differs
-- (`CatalogStore::catalog_revision`): nearly every step of a booking needs
-- the catalog, and it changes a few times a month. Statement triggers change
-- the value inside the transaction of the change, whichever instance or
-- tool writes it. The value is random, not a counter: only equality means
-- something, and a counter would come back to an old value, with another
-- catalog, after a restore. The row lock the update takes makes concurrent
-- catalog changes take turns until they commit; they are rare.
CREATE TABLE catalog_revision (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    revision BIGINT  NOT NULL
);

INSERT INTO catalog_revision (revision)
VALUES ((random() * 9223372036854775807)::bigint);

CREATE FUNCTION change_catalog_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_revision SET revision = (random() * 9223372036854775807)::bigint;
    RETURN NULL;
END
$$;

CREATE TRIGGER services_change_the_catalog_revision
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON services
    FOR EACH STATEMENT EXECUTE FUNCTION change_catalog_revision();
CREATE TRIGGER service_performers_change_the_catalog_revision
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_performers
    FOR EACH STATEMENT EXECUTE FUNCTION change_catalog_revision();
CREATE TRIGGER staff_change_the_catalog_revision
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION change_catalog_revision();
CREATE TRIGGER staff_hours_change_the_catalog_revision
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff_hours
    FOR EACH STATEMENT EXECUTE FUNCTION change_catalog_revision();
CREATE TRIGGER date_overrides_change_the_catalog_revision
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON date_overrides
    FOR EACH STATEMENT EXECUTE FUNCTION change_catalog_revision();
CREATE TRIGGER date_override_periods_change_the_catalog_revision
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON date_override_periods
    FOR EACH STATEMENT EXECUTE FUNCTION change_catalog_revision();
CREATE TRIGGER time_off_change_the_catalog_revision
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON time_off
    FOR EACH STATEMENT EXECUTE FUNCTION change_catalog_revision();

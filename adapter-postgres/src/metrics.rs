//! What the PostgreSQL store counts: failed store operations, by kind, with
//! the names and labels of adapter-sqlite (one dashboard for either store).
//!
//! Counted through the `metrics` facade: a no-op until the application
//! installs a recorder. See `failure` for where and how.

use ::metrics::{Unit, counter, describe_counter};

use crate::failure::FailureKind;

/// Store operations that failed with a database error, by `kind`: `busy`,
/// `constraint`, `io`, `corrupt`, `other`.
pub const DATABASE_ERRORS: &str = "booking_database_errors_total";

/// Pending notifications whose stored row could not be read, marked failed
/// and set aside so the rest of the outbox keeps moving.
pub const NOTIFICATIONS_SET_ASIDE: &str = "booking_notifications_set_aside_total";

/// Registers the store's metrics with the installed recorder: describes
/// them, and starts the error counter of every kind at zero, so the first
/// error of a kind shows as an increase rather than as a new series. Call
/// once after installing a recorder.
pub fn register() {
    describe_counter!(
        DATABASE_ERRORS,
        Unit::Count,
        "Store operations that failed with a database error, by kind (busy, constraint, io, corrupt, other)."
    );
    for kind in FailureKind::ALL {
        counter!(DATABASE_ERRORS, "kind" => kind.label()).absolute(0);
    }
    describe_counter!(
        NOTIFICATIONS_SET_ASIDE,
        Unit::Count,
        "Pending notifications whose stored row could not be read, marked failed and set aside."
    );
    counter!(NOTIFICATIONS_SET_ASIDE).absolute(0);
}

pub(crate) fn notification_set_aside() {
    counter!(NOTIFICATIONS_SET_ASIDE).increment(1);
}

pub(crate) fn database_error(kind: FailureKind) {
    counter!(DATABASE_ERRORS, "kind" => kind.label()).increment(1);
}

//! What the engine counts: bookings created, cancelled and rescheduled, per
//! service, and what the lifecycle sweep closed.
//!
//! Counted through the [`metrics`](::metrics) facade, which does nothing
//! until the embedding application installs a recorder: an embedder pays
//! nothing for counters it does not read, and picks its own exporter (the
//! `booking` binary serves them to Prometheus). Counted only after the store
//! committed, in the engine, so every channel (the client bot, the admin
//! bot, an embedder's own code) is counted the same way.
//!
//! The service is labelled by its id, not its name: names change, and a
//! renamed service would split one series into two.

use ::metrics::{Unit, counter, describe_counter};
use booking_domain::{CancelledBy, ServiceId};

/// Bookings created, by `service`.
pub const BOOKINGS_CREATED: &str = "booking_bookings_created_total";
/// Bookings cancelled, by `service` and `by` (`customer`, `staff`,
/// `system`).
pub const BOOKINGS_CANCELLED: &str = "booking_bookings_cancelled_total";
/// Bookings moved to another time or staff member, by `service` and `by`
/// (`customer`, `staff`).
pub const BOOKINGS_RESCHEDULED: &str = "booking_bookings_rescheduled_total";

/// Pending bookings the lifecycle sweep cancelled because nobody confirmed
/// them in time, by `service`. They are counted in [`BOOKINGS_CANCELLED`]
/// too (`by="system"`), beside erasures.
pub const BOOKINGS_EXPIRED: &str = "booking_bookings_expired_total";
/// Confirmed visits the lifecycle sweep marked completed after their end,
/// by `service`.
pub const BOOKINGS_AUTO_COMPLETED: &str = "booking_bookings_auto_completed_total";

/// Customer requests refused by a daily limit, by `limit` (`bookings`,
/// `cancellations`).
pub const DAILY_LIMIT_REACHED: &str = "booking_daily_limit_refusals_total";

/// Registers the engine's metrics with the installed recorder: describes
/// them, so an exporter can print their help text. Call once after
/// installing a recorder.
pub fn register() {
    describe_counter!(
        BOOKINGS_CREATED,
        Unit::Count,
        "Bookings created, by service id."
    );
    describe_counter!(
        BOOKINGS_CANCELLED,
        Unit::Count,
        "Bookings cancelled, by service id and by whom (customer, staff, system)."
    );
    describe_counter!(
        BOOKINGS_RESCHEDULED,
        Unit::Count,
        "Bookings moved to another time or staff member, by service id and by whom (customer, staff)."
    );
    describe_counter!(
        BOOKINGS_EXPIRED,
        Unit::Count,
        "Pending bookings cancelled by the system because nobody confirmed them in time, by service id."
    );
    describe_counter!(
        BOOKINGS_AUTO_COMPLETED,
        Unit::Count,
        "Confirmed visits marked completed by the system after their end, by service id."
    );
    describe_counter!(
        DAILY_LIMIT_REACHED,
        Unit::Count,
        "Customer requests refused by a daily limit, by limit (bookings, cancellations)."
    );
}

fn service_label(service: ServiceId) -> String {
    service.get().to_string()
}

pub(crate) fn booking_created(service: ServiceId) {
    counter!(BOOKINGS_CREATED, "service" => service_label(service)).increment(1);
}

pub(crate) fn booking_cancelled(service: ServiceId, by: CancelledBy) {
    let by = match by {
        CancelledBy::Customer => "customer",
        CancelledBy::Staff(_) => "staff",
        CancelledBy::System => "system",
    };
    counter!(BOOKINGS_CANCELLED, "service" => service_label(service), "by" => by).increment(1);
}

pub(crate) fn booking_expired(service: ServiceId) {
    counter!(BOOKINGS_EXPIRED, "service" => service_label(service)).increment(1);
}

pub(crate) fn booking_auto_completed(service: ServiceId) {
    counter!(BOOKINGS_AUTO_COMPLETED, "service" => service_label(service)).increment(1);
}

pub(crate) fn daily_limit_reached(limit: &'static str) {
    counter!(DAILY_LIMIT_REACHED, "limit" => limit).increment(1);
}

pub(crate) fn booking_rescheduled(service: ServiceId, by_customer: bool) {
    let by = if by_customer { "customer" } else { "staff" };
    counter!(BOOKINGS_RESCHEDULED, "service" => service_label(service), "by" => by).increment(1);
}

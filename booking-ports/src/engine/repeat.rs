//! The repeat check that makes [`Engine::book`](super::Engine::book)
//! idempotent for an identical request.

use booking_domain::{Booking, StaffChoice};

use super::customer::BookingForm;

/// Whether `booking` is what `form` asks for: the same service and start,
/// and the same staff member when the form names one.
pub(super) fn repeats(booking: &Booking, form: &BookingForm) -> bool {
    booking.service() == form.service
        && booking.start() == form.start
        && match form.staff {
            StaffChoice::Any => true,
            StaffChoice::Only(staff) => booking.staff() == staff,
        }
}

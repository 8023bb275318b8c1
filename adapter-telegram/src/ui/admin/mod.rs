//! The admin bot's screens, each a pure function from engine data (and a
//! small input struct where there would be many arguments) and the
//! reader's [`Text`] to a [`Screen`] or a piece of one. Staff see
//! customers' names and phones unmasked: that is what they need to call
//! them. Nothing here is logged.
//!
//! - [`day`]: the day view with its blocked periods, pages and staff
//!   filters;
//! - [`week`]: seven days at a glance with the free windows;
//! - [`blocks`]: the `/blocks` list and what a ranged `/block` stored;
//! - [`card`]: a booking's card, its actions and the reschedule pickers;
//! - [`schedule`]: a blocked period, the bookings a schedule edit leaves
//!   standing and the offer to cancel them;
//! - [`catalog`]: services, staff, weekly hours, date overrides and why an
//!   edit was refused;
//! - [`reports`]: statistics and the export's caption;
//! - [`sign_in`]: the PIN step and the lockout;
//! - [`customer`]: `/customer` results, customer cards, notes and erasure.
//! - [`desk`]: `/book` for a caller or a walk-in, and the day view's
//!   "book this free time" buttons.
//!
//! [`Screen`]: crate::telegram::Screen

pub mod blocks;
pub mod card;
pub mod catalog;
pub mod customer;
pub mod day;
pub mod desk;
pub mod policy;
pub mod reports;
pub mod schedule;
pub mod sign_in;
pub mod week;

#[cfg(test)]
pub(crate) mod fixtures;

use booking_domain::{BookingStatus, StaffId};
use booking_ports::BookingDetails;
use teloxide::types::InlineKeyboardButton;

use crate::admin::callback::AdminCallback;
use crate::i18n::{Msg, Text};

/// A button that sends `callback` when pressed.
pub fn button(label: impl Into<String>, callback: AdminCallback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label.into(), callback.encode())
}

/// A booking's status in words.
pub fn status(t: &Text<'_>, status: &BookingStatus) -> String {
    t.get(match status {
        BookingStatus::Pending => Msg::AdminStatusPending,
        BookingStatus::Confirmed => Msg::AdminStatusConfirmed,
        BookingStatus::Completed => Msg::AdminStatusCompleted,
        BookingStatus::NoShow => Msg::AdminStatusNoShow,
        BookingStatus::Cancelled(_) => Msg::AdminStatusCancelled,
        BookingStatus::Rescheduled { .. } => Msg::AdminStatusRescheduled,
    })
}

/// "Name, phone" the booking was made for (its own copy, not the
/// account's record: Ivan may have booked for his wife), or that the
/// customer erased their data.
fn customer(t: &Text<'_>, details: &BookingDetails) -> String {
    match details.booking.booked_for() {
        Some(who) => match &who.phone {
            Some(phone) => format!("{}, {}", who.name.expose(), phone.expose()),
            None => who.name.expose().to_owned(),
        },
        None => t.get(Msg::AdminCustomerUnknown),
    }
}

fn service_name(details: &BookingDetails) -> String {
    details
        .service
        .as_ref()
        .map_or_else(|| "?".to_owned(), |s| s.name().to_string())
}

fn staff_name(details: &BookingDetails) -> String {
    details
        .staff
        .as_ref()
        .map_or_else(|| "?".to_owned(), |s| s.name().to_string())
}

/// "#2", or everyone for `None`.
pub fn who(t: &Text<'_>, staff: Option<StaffId>) -> String {
    match staff {
        Some(id) => format!("#{}", id.get()),
        None => t.get(Msg::AdminEveryone),
    }
}

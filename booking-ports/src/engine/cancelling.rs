//! Cancelling a booking with the right people told: the one place where the
//! customer's own cancellations, staff's cancellations and the cancellations
//! before an erasure ("forget me", or staff erasing a customer on request)
//! decide who cancelled and who hears of it.

use booking_domain::{Actor, Booking, BookingId, CancelReason, CustomerId, Version};

use super::Engine;
use super::actor::StaffActor;
use super::errors::{BookingChangeError, ForgetError};
use super::notices::{notice_now, to_customer};
use crate::ports::outbox::{NoticeKind, OutboxChange, Recipient};

/// How many rounds cancelling a customer's bookings makes when they change
/// under it.
const CANCEL_ROUNDS: usize = 5;

/// Who cancels, which decides what is recorded and who is told.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Canceller<'a> {
    /// The customer, held to the cancellation cutoff; staff are told.
    Customer,
    /// Staff, at any time: the customer is told, and the booking's staff
    /// member unless they cancelled it themselves.
    Staff(&'a StaffActor),
    /// The business, because the customer asked to erase their data: staff
    /// are told; the customer asked for it and their notices are erased
    /// next anyway.
    OwnErasure,
}

impl Engine {
    /// Cancels `booking`, seen at `expected`, as `canceller`, telling whom
    /// [`Canceller`] says and withdrawing its pending reminders in the same
    /// commit.
    pub(crate) async fn cancel_and_tell(
        &self,
        booking: Booking,
        expected: Version,
        canceller: Canceller<'_>,
        reason: Option<CancelReason>,
    ) -> Result<Booking, BookingChangeError> {
        let policy = self.policy();
        let now = self.clock.now();
        // The domain derives what the customer sees (cancelled by the
        // salon, by them, or by the system) from the actor, and the audit
        // trail keeps the actor itself.
        let by = match canceller {
            Canceller::Customer => Actor::Customer,
            Canceller::Staff(actor) => actor.as_actor(),
            Canceller::OwnErasure => Actor::System,
        };
        self.change(
            booking,
            expected,
            |b| b.cancel(by, reason, now, &policy),
            |b| {
                let mut add = Vec::new();
                let staff_told = match canceller {
                    Canceller::Staff(actor) => {
                        add.extend(to_customer(b.customer(), NoticeKind::Cancelled, now));
                        actor.member() != Some(b.staff())
                    }
                    Canceller::Customer | Canceller::OwnErasure => true,
                };
                if staff_told {
                    add.push(notice_now(
                        Recipient::Staff(b.staff()),
                        NoticeKind::Cancelled,
                        now,
                    ));
                }
                OutboxChange {
                    add,
                    withdraw_pending_reminders: true,
                }
            },
        )
        .await
    }

    /// Cancels every booking of `customer` that has not started yet (at any
    /// time before the start: erasure is their right), as `canceller`, and
    /// returns their ids. A visit under way is left to staff to complete.
    /// Reads again when bookings change under it, for a few rounds.
    ///
    /// # Errors
    /// [`ForgetError::StillChanging`] when the bookings kept changing;
    /// [`ForgetError::Store`].
    pub(crate) async fn cancel_not_started(
        &self,
        customer: CustomerId,
        canceller: Canceller<'_>,
    ) -> Result<Vec<BookingId>, ForgetError> {
        let mut cancelled = Vec::new();
        for _ in 0..CANCEL_ROUNDS {
            let now = self.clock.now();
            let upcoming: Vec<Booking> = self
                .bookings
                .upcoming_bookings_of_customer(customer, now)
                .await?
                .into_iter()
                .filter(|b| b.start() > now)
                .collect();
            if upcoming.is_empty() {
                return Ok(cancelled);
            }
            for booking in upcoming {
                let id = booking.id();
                let expected = booking.version();
                match self
                    .cancel_and_tell(booking, expected, canceller, None)
                    .await
                {
                    Ok(_) => cancelled.push(id),
                    // Changed or closed meanwhile: the next round reads it
                    // again. (Daily limits hold the customer's own
                    // cancellations, never these.)
                    Err(
                        BookingChangeError::VersionConflict { .. }
                        | BookingChangeError::Refused(_)
                        | BookingChangeError::NotFound
                        | BookingChangeError::TooManyToday { .. }
                        | BookingChangeError::Forbidden(_),
                    ) => {}
                    Err(BookingChangeError::Store(e)) => return Err(ForgetError::Store(e)),
                }
            }
        }
        Err(ForgetError::StillChanging)
    }
}

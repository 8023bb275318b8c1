//! The reschedule shared by customers and staff: planned on a fresh
//! calendar and written with the notices it causes in one store call. A
//! move to "any staff member" whose pick was booked by someone else at the
//! same moment is planned again, as a new booking is.

use booking_domain::{
    Booking, BookingStatus, NewBooking, RescheduleRequest, SlotRefusal, StaffChoice, Version,
};
use chrono::{DateTime, Utc};

use super::customer::{ANY_STAFF_RETRIES, reschedule_rule_error};
use super::errors::RescheduleBookingError;
use super::lifecycle::confirmation_reminder;
use super::moving::Mover;
use super::notices::{notice_now, reminders, to_customer};
use super::{Engine, RescheduledBooking, check_version};
use crate::EngineSettings;
use crate::ports::bookings::RescheduleError;
use crate::ports::outbox::{NewNotice, NoticeKind, OutboxChange, Recipient};

impl Engine {
    /// The reschedule shared by customers and staff. A customer's move is
    /// held to the cutoff and tells the staff members involved. A staff move
    /// tells the customer, and the staff members involved other than the one
    /// who moved it (an owner moving Anna's visit to Boris tells both).
    pub(crate) async fn move_booking(
        &self,
        booking: Booking,
        expected: Version,
        staff: StaffChoice,
        start: DateTime<Utc>,
        mover: Mover<'_>,
    ) -> Result<RescheduledBooking, RescheduleBookingError> {
        let by_customer = matches!(mover, Mover::Customer(_));
        let policy = self.policy();
        let settings = self.settings();
        let now = self.clock.now();
        check_version(&booking, expected)
            .map_err(|current| RescheduleBookingError::VersionConflict { current })?;
        let day = start.with_timezone(&policy.time_zone()).date_naive();
        let mut taken_from_others = 0;
        let (outcome, calendar) = loop {
            let calendar = self.calendar(&policy, day, day).await?;
            let Some(service) = calendar.service(booking.service()) else {
                return Err(RescheduleBookingError::Slot(
                    SlotRefusal::ServiceUnavailable,
                ));
            };
            let new = RescheduleRequest {
                booking: &booking,
                service,
                staff,
                start,
                by: mover.actor(),
            }
            .plan(&calendar.availability(&policy, now))
            .map_err(|e| reschedule_rule_error(e, start))?;
            let add = move_notices(&booking, &new, mover, &settings, now);
            let outbox = OutboxChange {
                add,
                withdraw_pending_reminders: true,
            };
            match self
                .bookings
                .reschedule_booking(booking.clone(), new, outbox)
                .await
            {
                Ok(outcome) => break (outcome, calendar),
                // "Any staff member": the one chosen was booked by someone
                // else at the same moment; another may still be free.
                Err(RescheduleError::SlotTaken { .. })
                    if staff == StaffChoice::Any && taken_from_others < ANY_STAFF_RETRIES =>
                {
                    taken_from_others += 1;
                }
                Err(e) => {
                    return Err(match e {
                        RescheduleError::NotFound => RescheduleBookingError::NotFound,
                        RescheduleError::VersionConflict { current } => {
                            RescheduleBookingError::VersionConflict { current }
                        }
                        RescheduleError::SlotTaken { start } => {
                            RescheduleBookingError::SlotTaken { start }
                        }
                        RescheduleError::NotMovable(refusal) => {
                            RescheduleBookingError::Refused(refusal)
                        }
                        RescheduleError::Store(e) => RescheduleBookingError::Store(e),
                    });
                }
            }
        };
        crate::metrics::booking_rescheduled(outcome.new.service(), by_customer);
        self.outbox_changed();
        Ok(RescheduledBooking {
            old: outcome.old,
            new: self
                .details_with(&calendar.into_names(), outcome.new, !by_customer)
                .await?,
        })
    }
}

/// The notices a move causes: the customer told when staff moved it, the
/// staff members involved told but the one who moved it, and the new
/// visit's reminders (or, for a request, its confirmation deadline).
fn move_notices(
    booking: &Booking,
    new: &NewBooking,
    mover: Mover<'_>,
    settings: &EngineSettings,
    now: DateTime<Utc>,
) -> Vec<NewNotice> {
    let mut add = Vec::new();
    if matches!(mover, Mover::Staff(_)) {
        add.extend(to_customer(
            booking.customer(),
            NoticeKind::Rescheduled,
            now,
        ));
    }
    let acting_member = match mover {
        Mover::Customer(_) => None,
        Mover::Staff(actor) => actor.member(),
    };
    let mut involved = vec![new.staff()];
    if booking.staff() != new.staff() {
        involved.push(booking.staff());
    }
    add.extend(
        involved
            .into_iter()
            .filter(|member| Some(*member) != acting_member)
            .map(|member| notice_now(Recipient::Staff(member), NoticeKind::Rescheduled, now)),
    );
    if *new.status() == BookingStatus::Confirmed {
        add.extend(reminders(
            settings,
            new.start(),
            Some(new.customer()),
            new.staff(),
            now,
        ));
    } else {
        // A moved request is a new request: its deadline counts from now.
        add.extend(confirmation_reminder(
            &settings.lifecycle(),
            new.created_at(),
            new.start(),
            new.staff(),
            now,
        ));
    }
    add
}

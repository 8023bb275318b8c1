//! What a customer can do: browse the offer and free times, book, see and
//! change their own bookings, and erase their data.
//!
//! Every call takes the acting [`CustomerId`]. A booking that is not theirs is
//! answered exactly as a booking that does not exist, so a forged id learns
//! nothing.

use booking_domain::{
    Actor, BookRequest, BookedFor, Booking, BookingId, BookingRuleError, BookingStatus, Comment,
    CustomerId, CustomerName, FreeStart, NewBooking, PhoneNumber, Service, ServiceId, SlotRefusal,
    StaffChoice, StaffMember, Version,
};
use chrono::{DateTime, NaiveDate, Utc};

use super::cancelling::Canceller;
use super::churn::{Churn, DailyLimitReached, churn_counted_since};
use super::errors::{
    AvailabilityError, BookError, BookingChangeError, FindBookingError, RescheduleBookingError,
};
use super::lifecycle::confirmation_reminder;
use super::moving::Mover;
use super::notices::{notice_now, reminders};
use super::repeat::repeats;
use super::{BookingDetails, CalendarSpan, Engine, RescheduledBooking};
use crate::EngineSettings;
use crate::error::StoreError;
use crate::ports::bookings::{ActiveBookingLimit, CreateBookingError};
use crate::ports::customers::{CustomerProfile, Language};
use crate::ports::outbox::{NewNotice, NoticeKind, OutboxChange, Recipient};

/// A service customers can book, with the staff members who perform it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceOffer {
    pub service: Service,
    /// Active staff members who perform it, by id; never empty.
    pub performers: Vec<StaffMember>,
}

/// What a customer fills in to book, as they typed it. The engine validates
/// every field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingForm {
    pub service: ServiceId,
    pub staff: StaffChoice,
    pub start: DateTime<Utc>,
    pub name: String,
    /// As typed or shared; numbers without a country code are read in the
    /// policy's phone region.
    pub phone: String,
    /// `None` or blank for no comment.
    pub comment: Option<String>,
    /// The customer's language, when the client reports one.
    pub language: Option<Language>,
}

fn book_rule_error(error: BookingRuleError, start: DateTime<Utc>) -> BookError {
    match error {
        BookingRuleError::Slot(SlotRefusal::NotFree) => BookError::SlotTaken { start },
        BookingRuleError::Slot(refusal) => BookError::Slot(refusal),
        BookingRuleError::TooManyActiveBookings { limit } => {
            BookError::TooManyActiveBookings { limit }
        }
        // Booking a new visit involves no transition, and a new booking is
        // only invalid when the stored service is.
        other => BookError::Store(StoreError::backend("planning a booking", other)),
    }
}

pub(crate) fn reschedule_rule_error(
    error: BookingRuleError,
    start: DateTime<Utc>,
) -> RescheduleBookingError {
    match error {
        BookingRuleError::Slot(SlotRefusal::NotFree) => RescheduleBookingError::SlotTaken { start },
        BookingRuleError::Slot(refusal) => RescheduleBookingError::Slot(refusal),
        BookingRuleError::Transition(refusal) => RescheduleBookingError::Refused(refusal),
        other => RescheduleBookingError::Store(StoreError::backend("planning a reschedule", other)),
    }
}

/// How many times a booking for "any staff member" is planned again when
/// the staff member it chose was booked at the same moment by someone else.
/// Each retry reads the calendar again; a time everyone lost is refused.
pub(super) const ANY_STAFF_RETRIES: u32 = 3;

/// The notices a customer's new booking `new` causes: the staff member's,
/// then the reminders (or, when it awaits confirmation, the staff member's
/// reminder to confirm it).
fn new_booking_notices(
    settings: &EngineSettings,
    new: &NewBooking,
    customer: CustomerId,
    now: DateTime<Utc>,
) -> Vec<NewNotice> {
    let pending = *new.status() == BookingStatus::Pending;
    let mut notices = vec![notice_now(
        Recipient::Staff(new.staff()),
        NoticeKind::NewBooking {
            awaiting_confirmation: pending,
        },
        now,
    )];
    if pending {
        notices.extend(confirmation_reminder(
            &settings.lifecycle(),
            new.created_at(),
            new.start(),
            new.staff(),
            now,
        ));
    } else {
        notices.extend(reminders(
            settings,
            new.start(),
            Some(customer),
            new.staff(),
            now,
        ));
    }
    notices
}

fn parse_comment(comment: Option<&str>) -> Result<Option<Comment>, BookError> {
    match comment {
        Some(text) if !text.trim().is_empty() => Comment::new(text)
            .map(Some)
            .map_err(BookError::InvalidComment),
        _ => Ok(None),
    }
}

impl Engine {
    /// The services customers can book now: active, with at least one active
    /// performer, by id.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn services(&self) -> Result<Vec<ServiceOffer>, StoreError> {
        let catalog = self.catalog_now().await?;
        Ok(catalog
            .services
            .iter()
            .filter(|s| s.is_active())
            .filter_map(|service| {
                let performers: Vec<StaffMember> = catalog
                    .staff
                    .iter()
                    .filter(|m| m.is_active() && service.is_performed_by(m.id()))
                    .cloned()
                    .collect();
                (!performers.is_empty()).then(|| ServiceOffer {
                    service: service.clone(),
                    performers,
                })
            })
            .collect())
    }

    /// The local days in `from..=to` (clamped to today and the horizon) with
    /// at least one free start for `service` with `staff`.
    ///
    /// # Errors
    /// [`AvailabilityError::UnknownService`], or the store failed.
    pub async fn days_with_free_times(
        &self,
        service: ServiceId,
        staff: StaffChoice,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, AvailabilityError> {
        // As many days as there are: one read of the whole range.
        self.first_days_with_free_times(service, staff, from, to, usize::MAX)
            .await
    }

    /// The first `count` of the days [`Self::days_with_free_times`] gives for
    /// the same arguments, reading the calendar a few weeks at a time and
    /// no further than needed: a page of days for a salon with free time
    /// reads a fraction of the horizon's bookings, which are most of what
    /// the full list costs.
    ///
    /// # Errors
    /// [`AvailabilityError::UnknownService`], or the store failed.
    pub async fn first_days_with_free_times(
        &self,
        service: ServiceId,
        staff: StaffChoice,
        from: NaiveDate,
        to: NaiveDate,
        count: usize,
    ) -> Result<Vec<NaiveDate>, AvailabilityError> {
        self.free_days(&self.policy(), service, staff, from, to, count)
            .await
    }

    /// The free starts of local `day` for `service` with `staff`, in time
    /// order, each with the staff members free at it.
    ///
    /// # Errors
    /// [`AvailabilityError::UnknownService`], or the store failed.
    pub async fn free_times(
        &self,
        service: ServiceId,
        staff: StaffChoice,
        day: NaiveDate,
    ) -> Result<Vec<FreeStart>, AvailabilityError> {
        self.free_starts_under(&self.policy(), service, staff, day)
            .await
    }

    /// Books `form` for customer record `customer`: validates name, phone
    /// and comment, checks the start against the calendar and the policy,
    /// and creates the booking (pending or confirmed per policy) atomically
    /// with its notices: one to the staff member, and the reminders when it
    /// is confirmed. The booking keeps the name and phone typed and the
    /// service's price. When no record `customer` exists (an embedder that
    /// numbers customers itself), one is made under that id from the form;
    /// an existing record is never changed by a booking.
    /// Telegram accounts book through [`Self::book_as`].
    ///
    /// # Errors
    /// [`BookError`] saying which rule the request breaks; `SlotTaken` when
    /// someone else took the time, possibly a moment ago.
    ///
    /// Idempotent for an identical request: when the customer already holds
    /// an upcoming active booking of the same service at the same start
    /// (with the same staff member, when one was chosen), that booking is
    /// returned and nothing is stored.
    pub async fn book(
        &self,
        customer: CustomerId,
        form: BookingForm,
    ) -> Result<BookingDetails, BookError> {
        let policy = self.policy();
        let settings = self.settings();
        let now = self.clock.now();
        let name = CustomerName::new(&form.name).map_err(BookError::InvalidName)?;
        let phone = PhoneNumber::parse(&form.phone, policy.phone_region())
            .map_err(BookError::InvalidPhone)?;
        let comment = parse_comment(form.comment.as_deref())?;
        // A request made again (its update handed back after a crash, or a
        // press the customer's client resent) finds the booking its first
        // copy made, instead of a second booking or a refusal by the limits
        // that booking now counts in.
        // The day's calendar is read with them: every booking needs both,
        // and one read is one round trip to the store instead of two.
        let day = form.start.with_timezone(&policy.time_zone()).date_naive();
        let span = CalendarSpan::around(&policy, day, day);
        let since = churn_counted_since(now);
        let (standing, mut calendar_read) = match span.window {
            Some(window) => {
                let reads = self
                    .bookings
                    .standing_and_calendar(customer, now, since, window)
                    .await?;
                (reads.standing, Some(reads.calendar))
            }
            None => (
                self.bookings
                    .customer_standing(customer, now, since)
                    .await?,
                None,
            ),
        };
        if let Some(made) = standing.upcoming.iter().find(|b| repeats(b, &form)) {
            return Ok(self.names().await?.details(made.clone(), None));
        }
        if let Err(DailyLimitReached { limit }) =
            self.check_daily_limit(Churn::Booking, standing.churn)
        {
            return Err(BookError::TooManyToday { limit });
        }

        let booked_for = BookedFor {
            name,
            phone: Some(phone),
        };
        let limit = ActiveBookingLimit {
            max: policy.max_active_bookings_per_customer(),
            now,
        };
        let mut recorded = false;
        let mut taken_from_others = 0;
        let (booking, calendar) = loop {
            // Read again after "any staff member" lost its pick.
            let calendar = match calendar_read.take() {
                Some(read) => self.calendar_of(span, read).await?,
                None => self.calendar(&policy, day, day).await?,
            };
            let service = calendar
                .service(form.service)
                .ok_or(BookError::UnknownService)?;
            let new = BookRequest {
                customer,
                service,
                staff: form.staff,
                start: form.start,
                comment: comment.clone(),
                booked_for: booked_for.clone(),
                by: Actor::Customer,
            }
            .plan(
                &calendar.availability(&policy, now),
                standing.upcoming.len(),
            )
            .map_err(|e| book_rule_error(e, form.start))?;

            // The record is made before the booking so that every booking
            // has one; submitting the form is the customer's consent to
            // storing it. An existing record is left as it is: the details
            // typed go on the booking, which may be for someone else. A
            // customer with an upcoming booking has one already (made before
            // that booking; an erased customer's bookings no longer name
            // them), so a returning customer's booking reads one row fewer.
            if !recorded {
                if standing.upcoming.is_empty()
                    && self.customers.customer(customer).await?.is_none()
                {
                    self.first_record(customer, &booked_for, form.language.clone(), now)
                        .await?;
                }
                recorded = true;
            }

            let notices = new_booking_notices(&settings, &new, customer, now);
            match self.bookings.create_booking(new, limit, notices).await {
                Ok(booking) => break (booking, calendar),
                // "Any staff member": the one chosen was booked by someone
                // else at the same moment; another may still be free at
                // that time, which the calendar read again shows.
                Err(CreateBookingError::SlotTaken { .. })
                    if form.staff == StaffChoice::Any && taken_from_others < ANY_STAFF_RETRIES =>
                {
                    taken_from_others += 1;
                }
                Err(CreateBookingError::SlotTaken { start }) => {
                    return Err(BookError::SlotTaken { start });
                }
                Err(CreateBookingError::TooManyActiveBookings { limit }) => {
                    return Err(BookError::TooManyActiveBookings { limit });
                }
                Err(CreateBookingError::Store(e)) => return Err(BookError::Store(e)),
            }
        };
        crate::metrics::booking_created(booking.service());
        self.outbox_changed();
        // The catalog read for the calendar names the booking: reading it
        // again would cost two more round trips to the store per booking.
        Ok(calendar.into_names().details(booking, None))
    }

    /// The customer's profile, to offer the name they used last time.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn profile(
        &self,
        customer: CustomerId,
    ) -> Result<Option<CustomerProfile>, StoreError> {
        self.customers.customer(customer).await
    }

    /// The customer's upcoming pending or confirmed bookings, by start.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn my_bookings(
        &self,
        customer: CustomerId,
    ) -> Result<Vec<BookingDetails>, StoreError> {
        let now = self.clock.now();
        let bookings = self
            .bookings
            .upcoming_bookings_of_customer(customer, now)
            .await?;
        let names = self.names().await?;
        Ok(bookings
            .into_iter()
            .map(|b| names.details(b, None))
            .collect())
    }

    /// One of the customer's bookings, in any status.
    ///
    /// # Errors
    /// [`FindBookingError::NotFound`] when it does not exist or is not theirs.
    pub async fn my_booking(
        &self,
        customer: CustomerId,
        id: BookingId,
    ) -> Result<BookingDetails, FindBookingError> {
        let booking = self.own_booking(customer, id).await?;
        Ok(self.details_of(booking, false).await?)
    }

    pub(super) async fn own_booking(
        &self,
        customer: CustomerId,
        id: BookingId,
    ) -> Result<Booking, FindBookingError> {
        match self.bookings.booking(id).await? {
            Some(booking) if booking.is_held_by(customer) => Ok(booking),
            _ => Err(FindBookingError::NotFound),
        }
    }

    /// Cancels the customer's booking, which they saw at `expected`, if the
    /// cancellation cutoff allows. Staff are told; pending reminders are
    /// withdrawn in the same commit.
    ///
    /// # Errors
    /// [`BookingChangeError::Refused`] with
    /// [`PastCutoff`](booking_domain::TransitionError::PastCutoff) past the
    /// cutoff, `NotFound`, `VersionConflict`.
    pub async fn cancel_my_booking(
        &self,
        customer: CustomerId,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError> {
        let now = self.clock.now();
        let booking = self.own_booking(customer, id).await.map_err(|e| match e {
            FindBookingError::NotFound => BookingChangeError::NotFound,
            FindBookingError::Forbidden(e) => BookingChangeError::Forbidden(e),
            FindBookingError::Store(e) => BookingChangeError::Store(e),
        })?;
        if let Err(DailyLimitReached { limit }) = self
            .within_daily_limit(customer, Churn::Cancellation, now)
            .await?
        {
            return Err(BookingChangeError::TooManyToday { limit });
        }
        let cancelled = self
            .cancel_and_tell(booking, expected, Canceller::Customer, None)
            .await?;
        Ok(self.details_of(cancelled, false).await?)
    }

    /// Records that the customer will come (the "I'll come" button of a
    /// reminder). Uses the booking as stored now, so a reminder sent before a
    /// staff change still works; the write is still version-checked.
    ///
    /// # Errors
    /// [`BookingChangeError::Refused`] when the booking is not active or the
    /// visit started; `NotFound`; `VersionConflict` if it changed during the
    /// call.
    pub async fn confirm_attendance(
        &self,
        customer: CustomerId,
        id: BookingId,
    ) -> Result<BookingDetails, BookingChangeError> {
        let now = self.clock.now();
        let booking = self.own_booking(customer, id).await.map_err(|e| match e {
            FindBookingError::NotFound => BookingChangeError::NotFound,
            FindBookingError::Forbidden(e) => BookingChangeError::Forbidden(e),
            FindBookingError::Store(e) => BookingChangeError::Store(e),
        })?;
        let updated = booking
            .confirm_attendance(now)
            .map_err(BookingChangeError::Refused)?;
        if updated == booking {
            // Said before: the domain changes nothing, so nothing is written.
            return Ok(self.details_of(booking, false).await?);
        }
        let expected = booking.version();
        let updated = self
            .change(booking, expected, |_| Ok(updated), |_| OutboxChange::none())
            .await?;
        Ok(self.details_of(updated, false).await?)
    }

    /// Moves the customer's booking, which they saw at `expected`, to
    /// `start` with `staff`, if the reschedule cutoff allows. Atomic: if the
    /// new time is taken the old booking stays as it was. Staff are told; the
    /// old reminders are withdrawn and the new booking's planned.
    ///
    /// # Errors
    /// [`RescheduleBookingError`]: `Refused` past the cutoff or when not
    /// active, `Slot` for a start that cannot be booked, `SlotTaken`,
    /// `NotFound`, `VersionConflict`, `TooManyToday` past the daily limit
    /// (a move makes a new booking).
    pub async fn reschedule_my_booking(
        &self,
        customer: CustomerId,
        id: BookingId,
        expected: Version,
        staff: StaffChoice,
        start: DateTime<Utc>,
    ) -> Result<RescheduledBooking, RescheduleBookingError> {
        let booking = self.own_booking(customer, id).await.map_err(|e| match e {
            FindBookingError::NotFound => RescheduleBookingError::NotFound,
            FindBookingError::Forbidden(e) => RescheduleBookingError::Forbidden(e),
            FindBookingError::Store(e) => RescheduleBookingError::Store(e),
        })?;
        let now = self.clock.now();
        if let Err(DailyLimitReached { limit }) = self
            .within_daily_limit(customer, Churn::Booking, now)
            .await?
        {
            return Err(RescheduleBookingError::TooManyToday { limit });
        }
        self.move_booking(booking, expected, staff, start, Mover::Customer(customer))
            .await
    }
}

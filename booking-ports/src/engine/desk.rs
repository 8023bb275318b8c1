//! The front desk: staff book for a caller or a walk-in. Every call takes a
//! [`StaffActor`].
//!
//! Staff find the customer by phone or record a new one (a person need not
//! have Telegram), see free times by the staff policy
//! ([`Policy::for_staff`]: no minimum notice, a year ahead) and book. The
//! calendar holds staff exactly as it holds customers, so an overlap stays
//! impossible; the customers' limits (active bookings, daily churn) do not
//! apply. A booking made at the desk is confirmed at once: a customer with
//! Telegram is told and reminded as usual, one without is reminded of by a
//! reminder to the staff member (see `notices::desk_reminders`).

use booking_domain::{
    BookedFor, Booking, BookingRuleError, Comment, CustomerId, CustomerName, FreeStart, Interval,
    InvalidComment, InvalidName, InvalidPhone, PhoneNumber, Policy, ServiceId, SlotRefusal,
    StaffBookRequest, StaffChoice, StaffId,
};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};

use super::Engine;
use super::access::Forbidden;
use super::actor::StaffActor;
use super::customer::ANY_STAFF_RETRIES;
use super::errors::{AvailabilityError, StaffReadError};
use super::notices::{desk_reminders, notice_now, to_customer};
use crate::error::StoreError;
use crate::ports::bookings::{ActiveBookingLimit, CreateBookingError};
use crate::ports::customers::{CreateCustomerError, CustomerProfile, Language, NewCustomer};
use crate::ports::outbox::{NoticeKind, Recipient};

/// How many days staff may ask about in one call: a year and a day, the
/// staff horizon.
const MOST_DAYS: usize = booking_domain::STAFF_HORIZON_DAYS as usize + 1;

/// What staff fill in to book for a customer record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffBookingForm {
    /// The record the booking is for (found by phone or just recorded).
    pub customer: CustomerId,
    pub service: ServiceId,
    pub staff: StaffChoice,
    pub start: DateTime<Utc>,
    /// `None` or blank for no comment.
    pub comment: Option<String>,
}

/// Why a customer could not be looked up by phone.
#[derive(Debug, thiserror::Error)]
pub enum PhoneLookupError {
    #[error("the phone number is not valid: {0}")]
    InvalidPhone(#[source] InvalidPhone),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a customer record was not made.
#[derive(Debug, thiserror::Error)]
pub enum RecordCustomerError {
    #[error("the name is not valid: {0}")]
    InvalidName(#[source] InvalidName),
    #[error("the phone number is not valid: {0}")]
    InvalidPhone(#[source] InvalidPhone),
    /// Another record has the phone: book for that one instead.
    #[error("another customer has this phone")]
    PhoneTaken { holder: Box<CustomerProfile> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a booking staff asked for was not made.
#[derive(Debug, thiserror::Error)]
pub enum StaffBookError {
    /// No record has this id (erased meanwhile).
    #[error("no such customer")]
    UnknownCustomer,
    #[error("no such service")]
    UnknownService,
    #[error("the comment is not valid: {0}")]
    InvalidComment(#[source] InvalidComment),
    /// The start cannot be booked: the service is not offered, the staff
    /// member does not perform it, it is in the past
    /// ([`SlotRefusal::TooSoon`]) or more than a year ahead.
    #[error(transparent)]
    Slot(SlotRefusal),
    /// The time is not free (anymore): a booking or a blocked period is in
    /// the way, or it is outside working hours.
    #[error("the time starting at {start} is taken")]
    SlotTaken { start: DateTime<Utc> },
    /// A staff member tried to book into someone else's schedule.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A staff member's free starts of one day, for the day view's "book this
/// time" buttons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeWindowStarts {
    pub staff: StaffId,
    /// The first start on the step grid of each free window that has one,
    /// by time. Whether a service fits there is decided when one is chosen.
    pub starts: Vec<DateTime<Utc>>,
}

impl Engine {
    /// The customer record with `phone` (as typed; numbers without a
    /// country code are read in the policy's region), if any.
    ///
    /// # Errors
    /// [`PhoneLookupError::InvalidPhone`] for text that is no phone.
    pub async fn customer_by_phone(
        &self,
        _actor: &StaffActor,
        phone: &str,
    ) -> Result<Option<CustomerProfile>, PhoneLookupError> {
        let phone = PhoneNumber::parse(phone, self.policy().phone_region())
            .map_err(PhoneLookupError::InvalidPhone)?;
        Ok(self.customers.customer_by_phone(&phone).await?)
    }

    /// Records a customer staff speak to (a caller, a walk-in) without a
    /// Telegram account. Telling staff their name and phone is the
    /// customer's consent, recorded as now.
    ///
    /// # Errors
    /// [`RecordCustomerError`]: an invalid name or phone, or `PhoneTaken`
    /// with the record that has the phone.
    pub async fn record_customer(
        &self,
        _actor: &StaffActor,
        name: &str,
        phone: &str,
        language: Option<Language>,
    ) -> Result<CustomerProfile, RecordCustomerError> {
        let name = CustomerName::new(name).map_err(RecordCustomerError::InvalidName)?;
        let phone = PhoneNumber::parse(phone, self.policy().phone_region())
            .map_err(RecordCustomerError::InvalidPhone)?;
        let new = NewCustomer {
            name,
            phone: Some(phone),
            telegram: None,
            language,
            consented_at: self.clock.now(),
            notes: String::new(),
        };
        match self.customers.create_customer(new).await {
            Ok(record) => Ok(record),
            Err(CreateCustomerError::PhoneTaken { holder }) => {
                match self.customers.customer(holder).await? {
                    Some(record) => Err(RecordCustomerError::PhoneTaken {
                        holder: Box::new(record),
                    }),
                    // Erased between the two reads: the phone is free now.
                    None => Err(RecordCustomerError::Store(StoreError::backend(
                        "recording a customer",
                        "the record holding the phone vanished",
                    ))),
                }
            }
            // A new record names no Telegram account.
            Err(CreateCustomerError::TelegramTaken { .. }) => Err(RecordCustomerError::Store(
                StoreError::backend("recording a customer", "a Telegram account was taken"),
            )),
            Err(CreateCustomerError::Store(e)) => Err(RecordCustomerError::Store(e)),
        }
    }

    /// The local days in `from..=to` (clamped to today and a year ahead)
    /// with a free start for `service` with `staff` by the staff policy.
    ///
    /// # Errors
    /// [`AvailabilityError::UnknownService`], or the store failed.
    pub async fn staff_days_with_free_times(
        &self,
        actor: &StaffActor,
        service: ServiceId,
        staff: StaffChoice,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, AvailabilityError> {
        let staff = actor.scope_choice(staff)?;
        let policy = self.policy().for_staff();
        self.free_days(&policy, service, staff, from, to, MOST_DAYS)
            .await
    }

    /// The free starts of local `day` for `service` with `staff` by the
    /// staff policy (from now on, up to a year ahead), each with the staff
    /// members free at it.
    ///
    /// # Errors
    /// [`AvailabilityError::UnknownService`], or the store failed.
    pub async fn staff_free_times(
        &self,
        actor: &StaffActor,
        service: ServiceId,
        staff: StaffChoice,
        day: NaiveDate,
    ) -> Result<Vec<FreeStart>, AvailabilityError> {
        let staff = actor.scope_choice(staff)?;
        self.free_starts_under(&self.policy().for_staff(), service, staff, day)
            .await
    }

    /// Each active staff member's (or only `staff`'s) free windows on local
    /// `day`, from now on, as the first grid start of each window.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn free_window_starts(
        &self,
        actor: &StaffActor,
        day: NaiveDate,
        staff: Option<StaffId>,
    ) -> Result<Vec<FreeWindowStarts>, StaffReadError> {
        let staff = actor.scope(staff)?;
        let policy = self.policy().for_staff();
        let now = self.clock.now();
        let calendar = self.calendar(&policy, day, day).await?;
        let availability = calendar.availability(&policy, now);
        Ok(calendar
            .catalog
            .staff
            .iter()
            .filter(|m| m.is_active() && staff.is_none_or(|id| id == m.id()))
            .map(|member| FreeWindowStarts {
                staff: member.id(),
                starts: availability
                    .free_windows(member, day)
                    .iter()
                    .filter_map(|window| first_grid_start(&policy, window))
                    .collect(),
            })
            .collect())
    }

    /// Books `form` for its customer record, by the staff policy, confirmed
    /// at once, with its notices in the same commit: the staff member is
    /// told (unless they booked it themselves); a customer with Telegram is
    /// told and gets the usual reminders; for one without, the staff member
    /// gets the reminder. The booking keeps the record's name and phone and
    /// the service's price.
    ///
    /// # Errors
    /// [`StaffBookError`] saying why not; `SlotTaken` when the time is not
    /// free, possibly taken a moment ago.
    pub async fn book_for_customer(
        &self,
        actor: &StaffActor,
        form: StaffBookingForm,
    ) -> Result<Booking, StaffBookError> {
        let staff = actor.scope_choice(form.staff)?;
        let policy = self.policy().for_staff();
        let settings = self.settings();
        let now = self.clock.now();
        let comment = match form.comment.as_deref() {
            Some(text) if !text.trim().is_empty() => {
                Some(Comment::new(text).map_err(StaffBookError::InvalidComment)?)
            }
            _ => None,
        };
        let record = self
            .customers
            .customer(form.customer)
            .await?
            .ok_or(StaffBookError::UnknownCustomer)?;
        let day = form.start.with_timezone(&policy.time_zone()).date_naive();
        let has_telegram = record.telegram.is_some();
        // The customers' limit of active bookings is theirs to keep, not
        // staff's: the store's check is given the most it can count.
        let limit = ActiveBookingLimit { max: u16::MAX, now };
        let mut taken_from_others = 0;
        let booking = loop {
            let calendar = self.calendar(&policy, day, day).await?;
            let service = calendar
                .service(form.service)
                .ok_or(StaffBookError::UnknownService)?;
            let new = StaffBookRequest {
                customer: record.id,
                service,
                staff,
                start: form.start,
                comment: comment.clone(),
                booked_for: BookedFor {
                    name: record.name.clone(),
                    phone: record.phone.clone(),
                },
                by: actor.as_actor(),
            }
            .plan(&calendar.availability(&policy, now))
            .map_err(|e| match e {
                BookingRuleError::Slot(SlotRefusal::NotFree) => {
                    StaffBookError::SlotTaken { start: form.start }
                }
                BookingRuleError::Slot(refusal) => StaffBookError::Slot(refusal),
                other => {
                    StaffBookError::Store(StoreError::backend("planning a desk booking", other))
                }
            })?;

            let mut notices = Vec::new();
            if actor.member() != Some(new.staff()) {
                notices.push(notice_now(
                    Recipient::Staff(new.staff()),
                    NoticeKind::NewBooking {
                        awaiting_confirmation: false,
                    },
                    now,
                ));
            }
            if has_telegram {
                notices.extend(to_customer(Some(record.id), NoticeKind::Confirmed, now));
            }
            notices.extend(desk_reminders(
                &settings,
                new.start(),
                record.id,
                has_telegram,
                new.staff(),
                now,
            ));
            match self.bookings.create_booking(new, limit, notices).await {
                Ok(booking) => break booking,
                // As for a customer's booking: the member chosen for "any
                // staff member" was booked at the same moment by someone
                // else, and a colleague may still be free then.
                Err(CreateBookingError::SlotTaken { .. })
                    if staff == StaffChoice::Any && taken_from_others < ANY_STAFF_RETRIES =>
                {
                    taken_from_others += 1;
                }
                Err(CreateBookingError::SlotTaken { start }) => {
                    return Err(StaffBookError::SlotTaken { start });
                }
                Err(CreateBookingError::TooManyActiveBookings { limit }) => {
                    return Err(StaffBookError::Store(StoreError::backend(
                        "creating a desk booking",
                        format!("limit {limit}"),
                    )));
                }
                Err(CreateBookingError::Store(e)) => return Err(StaffBookError::Store(e)),
            }
        };
        crate::metrics::booking_created(booking.service());
        self.outbox_changed();
        Ok(booking)
    }
}

/// The first start of `window` on the policy's step grid (a multiple of
/// the step since local midnight), if one lies inside it.
fn first_grid_start(policy: &Policy, window: &Interval) -> Option<DateTime<Utc>> {
    let tz = policy.time_zone();
    let local = window.start().with_timezone(&tz);
    let step = i64::from(policy.slot_step().get());
    let since_midnight = i64::from(local.hour()) * 60 + i64::from(local.minute());
    let exact = local.second() == 0 && local.nanosecond() == 0;
    let rounded = if exact && since_midnight % step == 0 {
        since_midnight
    } else {
        (since_midnight / step + 1) * step
    };
    let date = NaiveDate::from_ymd_opt(local.year(), local.month(), local.day())?;
    let naive = date.and_hms_opt(0, 0, 0)? + chrono::Duration::minutes(rounded);
    let start = tz
        .from_local_datetime(&naive)
        .earliest()?
        .with_timezone(&Utc);
    (start >= window.start() && start < window.end()).then_some(start)
}

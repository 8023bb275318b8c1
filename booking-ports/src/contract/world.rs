//! The test data the contract files share: a fixed Monday in 2030, catalog
//! and customer specs, and [`World`], a store with two staff members, one
//! service and some customers, with helpers to book and cancel.

use booking_domain::{
    Actor, BookedFor, Booking, BookingStatus, Comment, Currency, CustomerId, CustomerName,
    Interval, LocalTimeRange, Minutes, Money, NewBooking, NewBookingParts, PhoneNumber,
    PhoneRegion, Policy, PolicySettings, ServiceId, ServiceName, ServiceSpec, StaffId, StaffName,
    StaffSpec, StaffUser, TelegramUserId, WeeklyHours,
};
use chrono::{DateTime, Duration, TimeZone, Utc, Weekday};

use super::ContractStore;

use crate::ports::bookings::{ActiveBookingLimit, BookingScope};
use crate::ports::conversations::{BotName, ChatKey, ConversationKey};
use crate::ports::customers::{CustomerProfile, Language};
use crate::ports::outbox::{NewNotice, NoticeKind, OutboxChange, Recipient};

/// A Monday far enough ahead that no test depends on the real date.
pub(super) fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, hour, minute, 0).unwrap()
}

pub(super) fn minutes(m: i64) -> Minutes {
    Minutes::new(m).unwrap()
}

pub(super) fn interval(start: DateTime<Utc>, end: DateTime<Utc>) -> Interval {
    Interval::new(start, end).unwrap()
}

/// "Now" for the limit: before every booking in these tests.
pub(super) fn long_before() -> DateTime<Utc> {
    at(0, 0) - Duration::days(30)
}

pub(super) fn no_limit() -> ActiveBookingLimit {
    ActiveBookingLimit {
        max: u16::MAX,
        now: long_before(),
    }
}

pub(super) fn staff_spec(name: &str) -> StaffSpec {
    let day = LocalTimeRange::parse("09:00-18:00").unwrap();
    StaffSpec {
        name: StaffName::new(name).unwrap(),
        hours: WeeklyHours::new([(Weekday::Mon, day), (Weekday::Tue, day)]).unwrap(),
        active: true,
    }
}

pub(super) fn service_spec(name: &str, performers: Vec<StaffId>) -> ServiceSpec {
    ServiceSpec {
        name: ServiceName::new(name).unwrap(),
        duration: minutes(60),
        price: Money::new(2500, Currency::new("EUR").unwrap()).unwrap(),
        buffer_before: Minutes::ZERO,
        buffer_after: minutes(10),
        active: true,
        performers,
    }
}

/// The record of customer `id`: a phone of their own (phones are unique),
/// and the Telegram account with the same number.
pub(super) fn profile(id: CustomerId) -> CustomerProfile {
    CustomerProfile {
        id,
        name: CustomerName::new("Anna Petrova").unwrap(),
        phone: Some(phone(&format!("+7 916 123 {:04}", id.get() % 10_000))),
        telegram: Some(TelegramUserId::new(id.get()).unwrap()),
        language: Some(Language::new("ru").unwrap()),
        consented_at: long_before(),
        notes: String::new(),
    }
}

/// A Russian phone number.
pub(super) fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text, PhoneRegion::new("RU").unwrap()).unwrap()
}

pub(super) fn customer(n: i64) -> CustomerId {
    CustomerId::new(1000 + n).unwrap()
}

/// A catalog of two staff members and one service, and `customers`
/// customers with profiles (ids from [`customer`]).
pub(super) struct World<S> {
    pub(super) store: S,
    pub(super) anna: StaffId,
    pub(super) boris: StaffId,
    pub(super) haircut: ServiceId,
}

pub(super) async fn world<S: ContractStore>(store: S, customers: i64) -> World<S> {
    let anna = store.add_staff(staff_spec("Anna")).await.unwrap().id();
    let boris = store.add_staff(staff_spec("Boris")).await.unwrap().id();
    let haircut = store
        .add_service(service_spec("Haircut", vec![anna, boris]))
        .await
        .unwrap()
        .id();
    for n in 0..customers {
        store.save_customer(profile(customer(n))).await.unwrap();
    }
    World {
        store,
        anna,
        boris,
        haircut,
    }
}

impl<S: ContractStore> World<S> {
    /// A confirmed visit of `customer` with `staff` at `start` lasting
    /// `length` minutes, with buffers `before` and `after`.
    pub(super) fn visit(
        &self,
        customer: CustomerId,
        staff: StaffId,
        start: DateTime<Utc>,
        length: i64,
        buffers: (i64, i64),
    ) -> NewBooking {
        self.visit_made_at(customer, staff, start, length, buffers, long_before())
    }

    /// [`visit`](Self::visit), made at `created_at`.
    pub(super) fn visit_made_at(
        &self,
        customer: CustomerId,
        staff: StaffId,
        start: DateTime<Utc>,
        length: i64,
        (before, after): (i64, i64),
        created_at: DateTime<Utc>,
    ) -> NewBooking {
        NewBooking::new(NewBookingParts {
            customer,
            service: self.haircut,
            staff,
            start,
            end: start + Duration::minutes(length),
            buffer_before: minutes(before),
            buffer_after: minutes(after),
            comment: Some(Comment::new("first visit").unwrap()),
            status: BookingStatus::Confirmed,
            created_at,
            rescheduled_from: None,
            // Booked for someone else than the record says, as Ivan books
            // for his wife: the store keeps the booking's own copy.
            booked_for: Some(BookedFor {
                name: CustomerName::new("Maria Ivanova").unwrap(),
                phone: Some(phone("+7 916 555 01 02")),
            }),
            price: Some(Money::new(2500, Currency::new("EUR").unwrap()).unwrap()),
            created_by: Actor::Customer,
        })
        .unwrap()
    }

    pub(super) async fn create(&self, new: NewBooking) -> Booking {
        self.store
            .create_booking(new, no_limit(), Vec::new())
            .await
            .unwrap()
    }

    pub(super) async fn cancel(&self, booking: &Booking) -> Booking {
        self.cancel_at(booking, long_before()).await
    }

    /// Cancels `booking` at `at`, by the front desk.
    pub(super) async fn cancel_at(&self, booking: &Booking, at: DateTime<Utc>) -> Booking {
        self.cancel_by_at(booking, front_desk(), at).await
    }

    /// Cancels `booking` as `by` at `at` (a customer before its start).
    pub(super) async fn cancel_by_at(
        &self,
        booking: &Booking,
        by: Actor,
        at: DateTime<Utc>,
    ) -> Booking {
        let cancelled = cancelled_by_at(booking, by, at);
        self.store
            .update_booking(booking.version(), cancelled, OutboxChange::none())
            .await
            .unwrap()
    }

    pub(super) async fn active_of(&self, staff: StaffId) -> Vec<Booking> {
        self.store
            .bookings_overlapping(
                interval(at(0, 0) - Duration::days(2), at(0, 0) + Duration::days(40)),
                Some(staff),
                BookingScope::ActiveOnly,
            )
            .await
            .unwrap()
    }
}

/// An owner at the front desk: a staff user who is not a staff member.
pub(super) fn front_desk() -> Actor {
    Actor::Staff {
        user: StaffUser::new(4_242_000_001),
        member: None,
        role: booking_domain::StaffRole::Owner,
    }
}

/// `booking` cancelled by the front desk, through the domain transition.
pub(super) fn cancelled(booking: &Booking) -> Booking {
    cancelled_at(booking, long_before())
}

/// `booking` cancelled by the front desk at `at`.
pub(super) fn cancelled_at(booking: &Booking, at: DateTime<Utc>) -> Booking {
    cancelled_by_at(booking, front_desk(), at)
}

/// `booking` cancelled by `by` at `at`; a customer must cancel before it
/// starts.
pub(super) fn cancelled_by_at(booking: &Booking, by: Actor, at: DateTime<Utc>) -> Booking {
    // Staff cancel whatever the cutoff; the policy only has to be valid.
    let policy = Policy::new(PolicySettings {
        time_zone: "UTC".parse().unwrap(),
        slot_step: Minutes::new(30).unwrap(),
        min_notice: Minutes::new(0).unwrap(),
        horizon_days: 30,
        cancellation_cutoff: Minutes::new(0).unwrap(),
        reschedule_cutoff: Minutes::new(0).unwrap(),
        max_active_bookings_per_customer: 5,
        requires_confirmation: false,
        phone_region: PhoneRegion::new("DE").unwrap(),
    })
    .unwrap();
    booking.cancel(by, None, at, &policy).unwrap()
}

pub(super) fn reminder(customer: CustomerId, before: i64, start: DateTime<Utc>) -> NewNotice {
    NewNotice {
        recipient: Recipient::Customer(customer),
        kind: NoticeKind::CustomerReminder {
            before: minutes(before),
        },
        due_at: start - Duration::minutes(before),
    }
}

/// The staff notice of a new, already confirmed booking.
pub(super) fn new_booking_notice(staff: StaffId, due_at: DateTime<Utc>) -> NewNotice {
    staff_notice(
        staff,
        NoticeKind::NewBooking {
            awaiting_confirmation: false,
        },
        due_at,
    )
}

pub(super) fn staff_notice(staff: StaffId, kind: NoticeKind, due_at: DateTime<Utc>) -> NewNotice {
    NewNotice {
        recipient: Recipient::Staff(staff),
        kind,
        due_at,
    }
}

pub(super) fn conversation(bot: &str, chat: i64) -> ConversationKey {
    ConversationKey {
        bot: BotName::new(bot).unwrap(),
        chat: ChatKey::new(chat),
    }
}

/// Field access for building variations of a [`NewBooking`] in tests.
pub(super) trait NewBookingFields {
    fn into_parts_for_test(self) -> NewBookingParts;
}

impl NewBookingFields for NewBooking {
    fn into_parts_for_test(self) -> NewBookingParts {
        NewBookingParts {
            customer: self.customer(),
            service: self.service(),
            staff: self.staff(),
            start: self.start(),
            end: self.end(),
            buffer_before: self.buffer_before(),
            buffer_after: self.buffer_after(),
            comment: self.comment().cloned(),
            status: self.status().clone(),
            created_at: self.created_at(),
            rescheduled_from: self.rescheduled_from(),
            booked_for: self.booked_for().cloned(),
            price: self.price(),
            created_by: self.created_by(),
        }
    }
}

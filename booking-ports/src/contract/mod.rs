//! The adapter contract suite: one async test function per MUST in the port
//! documentation, plus the concurrency guarantees, generic over any store
//! that implements every driven port. Every adapter runs the same suite.
//!
//! The easiest way in is the [`contract_tests!`](crate::contract_tests)
//! macro, which writes one `#[tokio::test]` (multi-threaded, so races are
//! real) per function here:
//!
//! ```text
//! // adapter-x/tests/contract.rs
//! async fn fixture() -> (XStore, tempfile::TempDir) { /* a fresh, empty store */ }
//! booking_ports::contract_tests!(fixture);
//! ```
//!
//! The fixture is anything that implements [`Fixture`]: the store itself
//! (for `MemoryStore`), or `(store, guard)` where the guard keeps something
//! alive for the test (a temporary directory). Each test gets a fresh
//! fixture. The adapter's dev-dependencies need `tokio` with the `macros` and
//! `rt-multi-thread` features.
//!
//! Beside the port contract, [`dispatch`] holds the dispatcher scenarios
//! (run them with [`dispatch_tests!`](crate::dispatch_tests) the same way)
//! and [`sender::RecordingSender`], a sender that records deliveries.
//!
//! Every function panics with a message naming the broken MUST; they are
//! assertions, which is why this module allows `unwrap` and `panic`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod dispatch;
pub mod sender;

use std::collections::BTreeSet;
use std::sync::Arc;

use booking_domain::{
    Booking, BookingId, BookingParts, BookingStatus, CancelledBy, Comment, Currency, CustomerId,
    CustomerName, DateOverride, Interval, LocalTimeRange, Minutes, Money, NewBooking,
    NewBookingParts, OverrideHours, PhoneNumber, PhoneRegion, Service, ServiceId, ServiceName,
    ServiceSpec, StaffId, StaffMember, StaffName, StaffSpec, TimeOff, TimeOffId, TimeOffSpec,
    Version, WeeklyHours,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc, Weekday};
use futures::StreamExt;
use tokio::sync::Barrier;

use crate::memory::MemoryStore;
use crate::ports::bookings::{
    ActiveBookingLimit, BookingScope, BookingStore, CreateBookingError, RescheduleError,
    UpdateBookingError,
};
use crate::ports::catalog::{
    CatalogChangeError, CatalogSnapshot, CatalogStore, ImportCatalogError,
};
use crate::ports::conversations::{BotName, ChatKey, ConversationKey, ConversationStore};
use crate::ports::customers::{CustomerProfile, CustomerStore, Language};
use crate::ports::outbox::{
    DeliveryState, FailureReason, MarkNotificationError, NewNotice, NoticeKind, NotificationId,
    NotificationOutbox, OutboxBacklog, OutboxChange, Recipient,
};

/// A store that implements every driven port, as the suite needs it.
pub trait ContractStore:
    CatalogStore
    + BookingStore
    + CustomerStore
    + ConversationStore
    + NotificationOutbox
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> ContractStore for T where
    T: CatalogStore
        + BookingStore
        + CustomerStore
        + ConversationStore
        + NotificationOutbox
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// What a test's fixture function returns: a fresh, empty store, and
/// whatever must live as long as the test.
pub trait Fixture: Send + 'static {
    type Store: ContractStore;
    fn store(&self) -> Self::Store;
}

impl Fixture for MemoryStore {
    type Store = MemoryStore;
    fn store(&self) -> MemoryStore {
        self.clone()
    }
}

impl<S: ContractStore, G: Send + 'static> Fixture for (S, G) {
    type Store = S;
    fn store(&self) -> S {
        self.0.clone()
    }
}

/// Writes one multi-threaded `#[tokio::test]` per contract function, each
/// calling `$fixture().await` for a fresh store. See [`crate::contract`].
#[macro_export]
macro_rules! contract_tests {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture;
            catalog_starts_empty_and_imports_once,
            catalog_entries_get_fresh_ids_and_update_by_id,
            date_override_replaces_the_one_for_the_same_date_and_staff,
            time_off_is_found_by_overlap_and_removed_by_id,
            create_stores_a_free_booking_at_version_one_with_its_notices,
            create_refuses_an_overlap_buffers_included,
            inactive_bookings_do_not_block_a_slot,
            create_enforces_the_active_booking_limit,
            failed_create_leaves_no_booking_and_no_notice,
            update_checks_the_version_and_bumps_it_by_one,
            update_commits_its_outbox_change_with_it,
            stale_update_changes_nothing_in_the_outbox,
            reschedule_moves_a_booking_atomically,
            reschedule_to_a_taken_time_changes_nothing,
            reschedule_ignores_the_old_booking_itself,
            reschedule_checks_the_version,
            customer_queries_return_what_they_promise,
            period_queries_see_buffers_and_filter,
            export_streams_the_period_in_order,
            returning_customers_are_those_with_earlier_bookings,
            racing_overlapping_creates_leave_exactly_one_booking,
            racing_creates_respect_the_active_booking_limit,
            racing_updates_of_one_version_let_exactly_one_win,
            racing_creates_and_reschedules_into_one_slot_let_one_win,
            customer_profiles_are_saved_and_replaced,
            erase_anonymises_bookings_and_deletes_the_profile_and_notices,
            conversation_state_expires,
            bots_never_see_each_others_conversations,
            due_notifications_are_pending_ordered_and_limited,
            delivery_outcomes_are_recorded_once,
            a_pending_notification_can_be_withdrawn_alone,
            the_backlog_counts_late_pending_notifications,
        );
    };
    (@each $fixture:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let fixture = $fixture().await;
                $crate::contract::$name($crate::contract::Fixture::store(&fixture)).await;
            }
        )*
    };
}

// ---------------------------------------------------------------------------
// Test data
// ---------------------------------------------------------------------------

/// A Monday far enough ahead that no test depends on the real date.
fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, hour, minute, 0).unwrap()
}

fn minutes(m: i64) -> Minutes {
    Minutes::new(m).unwrap()
}

fn interval(start: DateTime<Utc>, end: DateTime<Utc>) -> Interval {
    Interval::new(start, end).unwrap()
}

/// "Now" for the limit: before every booking in these tests.
fn long_before() -> DateTime<Utc> {
    at(0, 0) - Duration::days(30)
}

fn no_limit() -> ActiveBookingLimit {
    ActiveBookingLimit {
        max: u16::MAX,
        now: long_before(),
    }
}

fn staff_spec(name: &str) -> StaffSpec {
    let day = LocalTimeRange::parse("09:00-18:00").unwrap();
    StaffSpec {
        name: StaffName::new(name).unwrap(),
        hours: WeeklyHours::new([(Weekday::Mon, day), (Weekday::Tue, day)]).unwrap(),
        active: true,
    }
}

fn service_spec(name: &str, performers: Vec<StaffId>) -> ServiceSpec {
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

fn profile(id: CustomerId) -> CustomerProfile {
    CustomerProfile {
        id,
        name: CustomerName::new("Anna Petrova").unwrap(),
        phone: PhoneNumber::parse("+7 916 123 45 67", PhoneRegion::new("RU").unwrap()).unwrap(),
        language: Some(Language::new("ru").unwrap()),
        consented_at: long_before(),
    }
}

fn customer(n: i64) -> CustomerId {
    CustomerId::new(1000 + n).unwrap()
}

/// A catalog of two staff members and one service, and `customers`
/// customers with profiles (ids from [`customer`]).
struct World<S> {
    store: S,
    anna: StaffId,
    boris: StaffId,
    haircut: ServiceId,
}

async fn world<S: ContractStore>(store: S, customers: i64) -> World<S> {
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
    fn visit(
        &self,
        customer: CustomerId,
        staff: StaffId,
        start: DateTime<Utc>,
        length: i64,
        (before, after): (i64, i64),
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
            created_at: long_before(),
            rescheduled_from: None,
        })
        .unwrap()
    }

    async fn create(&self, new: NewBooking) -> Booking {
        self.store
            .create_booking(new, no_limit(), Vec::new())
            .await
            .unwrap()
    }

    async fn cancel(&self, booking: &Booking) -> Booking {
        let cancelled = cancelled(booking);
        self.store
            .update_booking(booking.version(), cancelled, OutboxChange::none())
            .await
            .unwrap()
    }

    async fn active_of(&self, staff: StaffId) -> Vec<Booking> {
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

/// `booking` cancelled by staff, through the domain transition.
fn cancelled(booking: &Booking) -> Booking {
    let mut parts: BookingParts = booking.clone().into_parts();
    parts.status = BookingStatus::Cancelled(booking_domain::Cancellation {
        by: CancelledBy::Staff(booking.staff()),
        reason: None,
        at: long_before(),
    });
    parts.version = booking.version().next();
    Booking::from_parts(parts).unwrap()
}

fn reminder(customer: CustomerId, before: i64, start: DateTime<Utc>) -> NewNotice {
    NewNotice {
        recipient: Recipient::Customer(customer),
        kind: NoticeKind::CustomerReminder {
            before: minutes(before),
        },
        due_at: start - Duration::minutes(before),
    }
}

/// The staff notice of a new, already confirmed booking.
fn new_booking_notice(staff: StaffId, due_at: DateTime<Utc>) -> NewNotice {
    staff_notice(
        staff,
        NoticeKind::NewBooking {
            awaiting_confirmation: false,
        },
        due_at,
    )
}

fn staff_notice(staff: StaffId, kind: NoticeKind, due_at: DateTime<Utc>) -> NewNotice {
    NewNotice {
        recipient: Recipient::Staff(staff),
        kind,
        due_at,
    }
}

fn conversation(bot: &str, chat: i64) -> ConversationKey {
    ConversationKey {
        bot: BotName::new(bot).unwrap(),
        chat: ChatKey::new(chat),
    }
}

// ---------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------

/// `is_catalog_empty` and `import_catalog`: atomic, only into an empty
/// catalog, ids kept, later ids fresh.
pub async fn catalog_starts_empty_and_imports_once<S: ContractStore>(store: S) {
    assert!(
        store.is_catalog_empty().await.unwrap(),
        "a new store has no catalog"
    );
    let anna = StaffMember::new(StaffId::new(7).unwrap(), staff_spec("Anna")).unwrap();
    let haircut = Service::new(
        ServiceId::new(3).unwrap(),
        service_spec("Haircut", vec![anna.id()]),
    )
    .unwrap();
    let day_off = DateOverride::new(
        NaiveDate::from_ymd_opt(2030, 1, 8).unwrap(),
        Some(anna.id()),
        OverrideHours::Closed,
    )
    .unwrap();
    let holiday = TimeOff::new(
        TimeOffId::new(4).unwrap(),
        TimeOffSpec {
            staff: None,
            period: interval(at(0, 0), at(0, 0) + Duration::days(1)),
            reason: None,
        },
    )
    .unwrap();
    let snapshot = CatalogSnapshot {
        staff: vec![anna.clone()],
        services: vec![haircut.clone()],
        date_overrides: vec![day_off.clone()],
        time_off: vec![holiday.clone()],
    };

    store.import_catalog(snapshot.clone()).await.unwrap();

    assert!(!store.is_catalog_empty().await.unwrap());
    assert_eq!(
        store.staff().await.unwrap(),
        vec![anna.clone()],
        "import MUST keep staff ids"
    );
    assert_eq!(
        store.services().await.unwrap(),
        vec![haircut.clone()],
        "import MUST keep service ids"
    );
    assert_eq!(
        store
            .date_overrides(day_off.date(), day_off.date())
            .await
            .unwrap(),
        vec![day_off]
    );
    assert_eq!(
        store.time_off(holiday.period()).await.unwrap(),
        vec![holiday.clone()]
    );
    assert!(
        matches!(
            store.import_catalog(snapshot).await,
            Err(ImportCatalogError::NotEmpty)
        ),
        "a second import MUST be refused with NotEmpty"
    );
    let boris = store.add_staff(staff_spec("Boris")).await.unwrap();
    assert!(
        boris.id() != anna.id(),
        "added ids MUST NOT collide with imported ones"
    );
    let shave = store
        .add_service(service_spec("Shave", vec![]))
        .await
        .unwrap();
    assert!(
        shave.id() != haircut.id(),
        "added ids MUST NOT collide with imported ones"
    );
    let block = store
        .add_time_off(TimeOffSpec {
            staff: Some(boris.id()),
            period: interval(at(10, 0), at(11, 0)),
            reason: None,
        })
        .await
        .unwrap();
    assert!(
        block.id() != holiday.id(),
        "added ids MUST NOT collide with imported ones"
    );
}

/// `add_*` assigns fresh ids; `update_*` replaces by id or says `NotFound`.
pub async fn catalog_entries_get_fresh_ids_and_update_by_id<S: ContractStore>(store: S) {
    let anna = store.add_staff(staff_spec("Anna")).await.unwrap();
    let boris = store.add_staff(staff_spec("Boris")).await.unwrap();
    assert_ne!(anna.id(), boris.id());
    assert_eq!(anna.spec(), &staff_spec("Anna"));
    let haircut = store
        .add_service(service_spec("Haircut", vec![anna.id()]))
        .await
        .unwrap();
    let shave = store
        .add_service(service_spec("Shave", vec![boris.id()]))
        .await
        .unwrap();
    assert_ne!(haircut.id(), shave.id());

    let mut spec = service_spec("Long haircut", vec![anna.id(), boris.id()]);
    spec.duration = minutes(90);
    spec.active = false;
    let updated = store
        .update_service(haircut.id(), spec.clone())
        .await
        .unwrap();
    assert_eq!(updated, Service::new(haircut.id(), spec).unwrap());
    let mut renamed = staff_spec("Boris B.");
    renamed.active = false;
    store
        .update_staff(boris.id(), renamed.clone())
        .await
        .unwrap();

    assert_eq!(
        store.services().await.unwrap(),
        vec![updated, shave],
        "services MUST be listed by id, inactive ones included"
    );
    assert_eq!(
        store.staff().await.unwrap(),
        vec![anna, StaffMember::new(boris.id(), renamed).unwrap()]
    );
    let missing = ServiceId::new(9_999).unwrap();
    assert!(matches!(
        store
            .update_service(missing, service_spec("X", vec![]))
            .await,
        Err(CatalogChangeError::NotFound)
    ));
    assert!(matches!(
        store
            .update_staff(StaffId::new(9_999).unwrap(), staff_spec("X"))
            .await,
        Err(CatalogChangeError::NotFound)
    ));
}

/// At most one override per date and staff member (or business-wide).
pub async fn date_override_replaces_the_one_for_the_same_date_and_staff<S: ContractStore>(
    store: S,
) {
    let anna = store.add_staff(staff_spec("Anna")).await.unwrap().id();
    let day = NaiveDate::from_ymd_opt(2030, 1, 8).unwrap();
    let next = day.succ_opt().unwrap();
    let short = OverrideHours::Open(vec![LocalTimeRange::parse("10:00-12:00").unwrap()]);
    store
        .set_date_override(DateOverride::new(day, Some(anna), OverrideHours::Closed).unwrap())
        .await
        .unwrap();
    let replacement = DateOverride::new(day, Some(anna), short.clone()).unwrap();
    store.set_date_override(replacement.clone()).await.unwrap();
    let business = DateOverride::new(day, None, OverrideHours::Closed).unwrap();
    store.set_date_override(business.clone()).await.unwrap();
    let later = DateOverride::new(next, None, short).unwrap();
    store.set_date_override(later.clone()).await.unwrap();

    let mut found = store.date_overrides(day, day).await.unwrap();
    found.sort_by_key(DateOverride::staff);
    assert_eq!(
        found,
        vec![business.clone(), replacement.clone()],
        "setting an override MUST replace the one for the same date and staff member"
    );
    assert_eq!(
        store.date_overrides(next, next).await.unwrap(),
        vec![later.clone()]
    );
    assert_eq!(
        store.date_overrides(day, next).await.unwrap().len(),
        3,
        "the range is inclusive at both ends"
    );

    store.remove_date_override(day, None).await.unwrap();
    assert_eq!(
        store.date_overrides(day, day).await.unwrap(),
        vec![replacement]
    );
    assert!(matches!(
        store.remove_date_override(day, None).await,
        Err(CatalogChangeError::NotFound)
    ));
}

/// Blocked periods are found by half-open overlap and removed by id.
pub async fn time_off_is_found_by_overlap_and_removed_by_id<S: ContractStore>(store: S) {
    let anna = store.add_staff(staff_spec("Anna")).await.unwrap().id();
    let morning = store
        .add_time_off(TimeOffSpec {
            staff: Some(anna),
            period: interval(at(9, 0), at(12, 0)),
            reason: None,
        })
        .await
        .unwrap();
    let evening = store
        .add_time_off(TimeOffSpec {
            staff: None,
            period: interval(at(16, 0), at(18, 0)),
            reason: Some(booking_domain::CancelReason::new("Inventory").unwrap()),
        })
        .await
        .unwrap();
    assert_ne!(morning.id(), evening.id());
    assert_eq!(
        store
            .time_off(interval(at(11, 0), at(17, 0)))
            .await
            .unwrap(),
        vec![morning.clone(), evening.clone()],
        "ordered by start"
    );
    assert!(
        store
            .time_off(interval(at(12, 0), at(16, 0)))
            .await
            .unwrap()
            .is_empty(),
        "touching periods do not overlap"
    );
    store.remove_time_off(morning.id()).await.unwrap();
    assert_eq!(
        store.time_off(interval(at(0, 0), at(23, 0))).await.unwrap(),
        vec![evening]
    );
    assert!(matches!(
        store.remove_time_off(morning.id()).await,
        Err(CatalogChangeError::NotFound)
    ));
}

// ---------------------------------------------------------------------------
// Bookings
// ---------------------------------------------------------------------------

/// A free booking is stored as `Booking::created(id, new)` with its notices
/// linked, pending and due.
pub async fn create_stores_a_free_booking_at_version_one_with_its_notices<S: ContractStore>(
    store: S,
) {
    let w = world(store, 1).await;
    let new = w.visit(customer(0), w.anna, at(10, 0), 60, (5, 10));
    let notices = vec![
        new_booking_notice(w.anna, long_before()),
        reminder(customer(0), 120, at(10, 0)),
    ];

    let booking = w
        .store
        .create_booking(new.clone(), no_limit(), notices.clone())
        .await
        .unwrap();

    assert_eq!(
        booking,
        Booking::created(booking.id(), new),
        "MUST return Booking::created"
    );
    assert_eq!(booking.version(), Version::FIRST);
    assert_eq!(
        w.store.booking(booking.id()).await.unwrap(),
        Some(booking.clone())
    );
    let stored = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        2,
        "every notice MUST be stored with the booking"
    );
    for (notification, notice) in stored.iter().zip(&notices) {
        assert_eq!(
            notification.booking,
            booking.id(),
            "notices MUST be linked to the new booking"
        );
        assert_eq!(notification.recipient, notice.recipient);
        assert_eq!(notification.kind, notice.kind);
        assert_eq!(notification.due_at, notice.due_at);
        assert_eq!(notification.state, DeliveryState::Pending);
        assert_eq!(notification.attempts, 0);
        assert_eq!(notification.next_attempt_at, notice.due_at);
    }
    let second = w
        .create(w.visit(customer(0), w.anna, at(12, 0), 60, (0, 0)))
        .await;
    assert_ne!(second.id(), booking.id(), "ids MUST be fresh");
}

/// Free means no overlap of occupied intervals (buffers included) with an
/// active booking of the same staff member; touching is free.
pub async fn create_refuses_an_overlap_buffers_included<S: ContractStore>(store: S) {
    let w = world(store, 3).await;
    // Occupies 09:50-11:15.
    w.create(w.visit(customer(0), w.anna, at(10, 0), 60, (10, 15)))
        .await;

    for (start, length, buffers, why) in [
        (at(10, 30), 30, (0, 0), "visit inside visit"),
        (
            at(9, 0),
            60,
            (0, 0),
            "visit reaching into the buffer before",
        ),
        (at(11, 5), 30, (0, 0), "visit starting in the buffer after"),
        (
            at(11, 30),
            30,
            (20, 0),
            "buffer before reaching into the buffer after",
        ),
        (at(8, 0), 60, (0, 120), "buffer after covering everything"),
    ] {
        let outcome = w
            .store
            .create_booking(
                w.visit(customer(1), w.anna, start, length, buffers),
                no_limit(),
                vec![],
            )
            .await;
        assert!(
            matches!(outcome, Err(CreateBookingError::SlotTaken { start: s }) if s == start),
            "{why}: MUST be SlotTaken with the asked start, got {outcome:?}"
        );
    }
    // Touching is free: 11:15 is where the occupied time ends.
    w.create(w.visit(customer(1), w.anna, at(11, 15), 30, (0, 0)))
        .await;
    // Touching from before: occupied 09:00-09:50.
    w.create(w.visit(customer(1), w.anna, at(9, 0), 50, (0, 0)))
        .await;
    // Another staff member is free at the same time.
    w.create(w.visit(customer(2), w.boris, at(10, 0), 60, (10, 15)))
        .await;
    assert_eq!(w.active_of(w.anna).await.len(), 3);
}

/// Cancelled (and other inactive) bookings do not hold their slot.
pub async fn inactive_bookings_do_not_block_a_slot<S: ContractStore>(store: S) {
    let w = world(store, 2).await;
    let first = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
    w.cancel(&first).await;
    let again = w
        .store
        .create_booking(
            w.visit(customer(1), w.anna, at(10, 0), 60, (0, 0)),
            no_limit(),
            vec![],
        )
        .await;
    assert!(
        again.is_ok(),
        "a cancelled booking MUST NOT block its slot: {again:?}"
    );
}

/// Fewer than `max` upcoming active bookings (ending after `now`) before a
/// creation.
pub async fn create_enforces_the_active_booking_limit<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let now = at(12, 0);
    let limit = ActiveBookingLimit { max: 2, now };
    // Ended before now: does not count.
    w.create(w.visit(customer(0), w.anna, at(9, 0), 60, (0, 0)))
        .await;
    let first = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, at(13, 0), 60, (0, 0)),
            limit,
            vec![],
        )
        .await
        .unwrap();
    w.store
        .create_booking(
            w.visit(customer(0), w.anna, at(15, 0), 60, (0, 0)),
            limit,
            vec![],
        )
        .await
        .unwrap();

    let third = w
        .store
        .create_booking(
            w.visit(customer(0), w.boris, at(16, 0), 60, (0, 0)),
            limit,
            vec![],
        )
        .await;
    assert!(
        matches!(
            third,
            Err(CreateBookingError::TooManyActiveBookings { limit: 2 })
        ),
        "the limit MUST hold, got {third:?}"
    );

    w.cancel(&first).await;
    let after_cancel = w
        .store
        .create_booking(
            w.visit(customer(0), w.boris, at(16, 0), 60, (0, 0)),
            limit,
            vec![],
        )
        .await;
    assert!(
        after_cancel.is_ok(),
        "cancelled bookings MUST NOT count: {after_cancel:?}"
    );
}

/// On any error nothing is stored: no booking, no notice.
pub async fn failed_create_leaves_no_booking_and_no_notice<S: ContractStore>(store: S) {
    let w = world(store, 2).await;
    let taken = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
    let notices = vec![
        staff_notice(
            w.anna,
            NoticeKind::NewBooking {
                awaiting_confirmation: true,
            },
            at(0, 0),
        ),
        reminder(customer(1), 60, at(10, 0)),
    ];
    let before = w.store.due_notifications(at(23, 0), 1_000).await.unwrap();

    let refused = w
        .store
        .create_booking(
            w.visit(customer(1), w.anna, at(10, 30), 60, (0, 0)),
            no_limit(),
            notices.clone(),
        )
        .await;
    let over_limit = w
        .store
        .create_booking(
            w.visit(customer(0), w.boris, at(14, 0), 60, (0, 0)),
            ActiveBookingLimit {
                max: 1,
                now: long_before(),
            },
            notices,
        )
        .await;

    assert!(matches!(refused, Err(CreateBookingError::SlotTaken { .. })));
    assert!(matches!(
        over_limit,
        Err(CreateBookingError::TooManyActiveBookings { .. })
    ));
    let after = w.store.due_notifications(at(23, 0), 1_000).await.unwrap();
    assert_eq!(
        after, before,
        "a failed creation MUST leave no outbox message"
    );
    let all = w
        .store
        .bookings_overlapping(
            interval(at(0, 0), at(23, 0)),
            None,
            BookingScope::AllStatuses,
        )
        .await
        .unwrap();
    assert_eq!(all, vec![taken], "a failed creation MUST leave no booking");
}

/// The conditional update: version compared atomically, bumped by exactly
/// one, `NotFound` for an unknown id.
pub async fn update_checks_the_version_and_bumps_it_by_one<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let booking = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;

    let confirmed_attendance = booking.confirm_attendance(long_before()).unwrap();
    let stored = w
        .store
        .update_booking(
            booking.version(),
            confirmed_attendance.clone(),
            OutboxChange::none(),
        )
        .await
        .unwrap();
    assert_eq!(stored, confirmed_attendance);
    assert_eq!(
        stored.version(),
        Version::FIRST.next(),
        "MUST bump the version by one"
    );
    assert_eq!(
        w.store.booking(booking.id()).await.unwrap(),
        Some(stored.clone())
    );

    let stale = w
        .store
        .update_booking(booking.version(), cancelled(&booking), OutboxChange::none())
        .await;
    match stale {
        Err(UpdateBookingError::VersionConflict { current }) => {
            assert_eq!(
                *current, stored,
                "the conflict MUST carry the stored booking"
            );
        }
        other => panic!("a stale update MUST be a VersionConflict, got {other:?}"),
    }
    assert_eq!(
        w.store.booking(booking.id()).await.unwrap(),
        Some(stored.clone()),
        "a stale update MUST change nothing"
    );

    let next = w
        .store
        .update_booking(stored.version(), cancelled(&stored), OutboxChange::none())
        .await
        .unwrap();
    assert_eq!(next.version().get(), 3);

    let ghost_parts = BookingParts {
        id: BookingId::new(9_999_999).unwrap(),
        ..booking.into_parts()
    };
    let ghost = Booking::from_parts(ghost_parts).unwrap();
    assert!(matches!(
        w.store
            .update_booking(Version::FIRST, cancelled(&ghost), OutboxChange::none())
            .await,
        Err(UpdateBookingError::NotFound)
    ));
}

/// Notices added and reminders withdrawn in the same commit as the change.
pub async fn update_commits_its_outbox_change_with_it<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(15, 0);
    let booking = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, start, 60, (0, 0)),
            no_limit(),
            vec![
                new_booking_notice(w.anna, at(8, 0)),
                reminder(customer(0), 1440, start),
                reminder(customer(0), 120, start),
                staff_notice(
                    w.anna,
                    NoticeKind::StaffReminder {
                        before: minutes(30),
                    },
                    start - Duration::minutes(30),
                ),
            ],
        )
        .await
        .unwrap();

    w.store
        .update_booking(
            booking.version(),
            cancelled(&booking),
            OutboxChange {
                add: vec![NewNotice {
                    recipient: Recipient::Customer(customer(0)),
                    kind: NoticeKind::Cancelled,
                    due_at: at(9, 0),
                }],
                withdraw_pending_reminders: true,
            },
        )
        .await
        .unwrap();

    let stored = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();
    assert_eq!(stored.len(), 5);
    for n in &stored {
        let expected = if n.kind.is_reminder() {
            DeliveryState::Withdrawn
        } else {
            DeliveryState::Pending
        };
        assert_eq!(
            n.state, expected,
            "withdrawal MUST hit pending reminders and only them: {n:?}"
        );
    }
    assert!(
        stored
            .iter()
            .any(|n| n.kind == NoticeKind::Cancelled && n.booking == booking.id()),
        "added notices MUST be linked to the booking"
    );
    let due: Vec<_> = w
        .store
        .due_notifications(start, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(
        due.iter().all(|k| !k.is_reminder()),
        "withdrawn reminders MUST never be due: {due:?}"
    );
}

/// A refused update leaves the outbox as it was.
pub async fn stale_update_changes_nothing_in_the_outbox<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(15, 0);
    let booking = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, start, 60, (0, 0)),
            no_limit(),
            vec![reminder(customer(0), 120, start)],
        )
        .await
        .unwrap();
    w.cancel(&booking).await;
    let before = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();

    let stale = w
        .store
        .update_booking(
            booking.version(),
            cancelled(&booking),
            OutboxChange {
                add: vec![NewNotice {
                    recipient: Recipient::Customer(customer(0)),
                    kind: NoticeKind::Cancelled,
                    due_at: at(9, 0),
                }],
                withdraw_pending_reminders: true,
            },
        )
        .await;

    assert!(matches!(
        stale,
        Err(UpdateBookingError::VersionConflict { .. })
    ));
    assert_eq!(
        w.store
            .notifications_of_booking(booking.id())
            .await
            .unwrap(),
        before,
        "a refused update MUST neither add notices nor withdraw reminders"
    );
}

/// Reschedule: creates the new booking, closes the old one linked to it,
/// moves the outbox, all at once.
pub async fn reschedule_moves_a_booking_atomically<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let old = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)),
            no_limit(),
            vec![
                new_booking_notice(w.anna, at(8, 0)),
                reminder(customer(0), 120, at(10, 0)),
            ],
        )
        .await
        .unwrap();
    let replacement = NewBooking::new(NewBookingParts {
        staff: w.boris,
        start: at(14, 0),
        end: at(15, 0),
        rescheduled_from: Some(old.id()),
        ..w.visit(customer(0), w.anna, at(14, 0), 60, (0, 0))
            .into_parts_for_test()
    })
    .unwrap();

    let moved = w
        .store
        .reschedule_booking(
            old.clone(),
            replacement.clone(),
            OutboxChange {
                add: vec![
                    staff_notice(w.boris, NoticeKind::Rescheduled, at(9, 0)),
                    reminder(customer(0), 120, at(14, 0)),
                ],
                withdraw_pending_reminders: true,
            },
        )
        .await
        .unwrap();

    assert_eq!(moved.new, Booking::created(moved.new.id(), replacement));
    assert_eq!(moved.new.rescheduled_from(), Some(old.id()));
    assert_eq!(
        moved.old.status(),
        &BookingStatus::Rescheduled { to: moved.new.id() }
    );
    assert_eq!(
        moved.old.version(),
        old.version().next(),
        "the old booking's version MUST go up by one"
    );
    assert_eq!(
        w.store.booking(old.id()).await.unwrap(),
        Some(moved.old.clone())
    );
    assert_eq!(
        w.store.booking(moved.new.id()).await.unwrap(),
        Some(moved.new.clone())
    );

    let old_notes = w.store.notifications_of_booking(old.id()).await.unwrap();
    assert!(
        old_notes
            .iter()
            .all(|n| n.kind.is_reminder() == (n.state == DeliveryState::Withdrawn)),
        "the old booking's pending reminders MUST be withdrawn, nothing else: {old_notes:?}"
    );
    let new_notes = w
        .store
        .notifications_of_booking(moved.new.id())
        .await
        .unwrap();
    assert_eq!(
        new_notes.len(),
        2,
        "added notices MUST be linked to the new booking"
    );
    assert!(new_notes.iter().all(|n| n.state == DeliveryState::Pending));
    // The old time is free again.
    w.create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
}

/// If the new time is taken, the old booking and the outbox stay as they were.
pub async fn reschedule_to_a_taken_time_changes_nothing<S: ContractStore>(store: S) {
    let w = world(store, 2).await;
    let old = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)),
            no_limit(),
            vec![reminder(customer(0), 120, at(10, 0))],
        )
        .await
        .unwrap();
    let blocker = w
        .create(w.visit(customer(1), w.boris, at(14, 0), 60, (0, 30)))
        .await;
    let before_old = w.store.notifications_of_booking(old.id()).await.unwrap();

    let outcome = w
        .store
        .reschedule_booking(
            old.clone(),
            w.visit(customer(0), w.boris, at(15, 15), 60, (0, 0)),
            OutboxChange {
                add: vec![reminder(customer(0), 120, at(15, 15))],
                withdraw_pending_reminders: true,
            },
        )
        .await;

    assert!(
        matches!(outcome, Err(RescheduleError::SlotTaken { start }) if start == at(15, 15)),
        "a taken time (buffers included) MUST be SlotTaken, got {outcome:?}"
    );
    assert_eq!(
        w.store.booking(old.id()).await.unwrap(),
        Some(old.clone()),
        "the old booking MUST stay untouched"
    );
    assert_eq!(
        w.store.notifications_of_booking(old.id()).await.unwrap(),
        before_old
    );
    let all = w
        .store
        .bookings_overlapping(
            interval(at(0, 0), at(23, 0)),
            None,
            BookingScope::AllStatuses,
        )
        .await
        .unwrap();
    assert_eq!(all, vec![old, blocker], "no replacement MUST be created");
}

/// The old booking does not block its own new time.
pub async fn reschedule_ignores_the_old_booking_itself<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let old = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (10, 10)))
        .await;
    let moved = w
        .store
        .reschedule_booking(
            old.clone(),
            w.visit(customer(0), w.anna, at(10, 30), 60, (10, 10)),
            OutboxChange::none(),
        )
        .await;
    assert!(
        moved.is_ok(),
        "a booking MUST NOT block its own move: {moved:?}"
    );
    assert_eq!(w.active_of(w.anna).await.len(), 1);
}

/// A stale old booking is refused with the current state; an unknown one is
/// `NotFound`.
pub async fn reschedule_checks_the_version<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let old = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
    let seen = old.confirm_attendance(long_before()).unwrap();
    let current = w
        .store
        .update_booking(old.version(), seen, OutboxChange::none())
        .await
        .unwrap();

    let stale = w
        .store
        .reschedule_booking(
            old.clone(),
            w.visit(customer(0), w.anna, at(14, 0), 60, (0, 0)),
            OutboxChange::none(),
        )
        .await;
    match stale {
        Err(RescheduleError::VersionConflict { current: stored }) => assert_eq!(*stored, current),
        other => panic!("a stale reschedule MUST be a VersionConflict, got {other:?}"),
    }
    assert_eq!(w.active_of(w.anna).await, vec![current]);

    let ghost = Booking::from_parts(BookingParts {
        id: BookingId::new(9_999_999).unwrap(),
        ..old.into_parts()
    })
    .unwrap();
    assert!(matches!(
        w.store
            .reschedule_booking(
                ghost,
                w.visit(customer(0), w.anna, at(16, 0), 60, (0, 0)),
                OutboxChange::none()
            )
            .await,
        Err(RescheduleError::NotFound)
    ));
}

/// `upcoming_bookings_of_customer` and `bookings_of_customer`.
pub async fn customer_queries_return_what_they_promise<S: ContractStore>(store: S) {
    let w = world(store, 2).await;
    let now = at(12, 0);
    let past = w
        .create(w.visit(customer(0), w.anna, at(9, 0), 60, (0, 0)))
        .await;
    let running = w
        .create(w.visit(customer(0), w.anna, at(11, 30), 60, (0, 0)))
        .await;
    let later = w
        .create(w.visit(customer(0), w.boris, at(16, 0), 60, (0, 0)))
        .await;
    let soon = w
        .create(w.visit(customer(0), w.boris, at(13, 0), 60, (0, 0)))
        .await;
    let dropped = w
        .create(w.visit(customer(0), w.anna, at(14, 0), 60, (0, 0)))
        .await;
    let dropped = w.cancel(&dropped).await;
    w.create(w.visit(customer(1), w.anna, at(17, 0), 60, (0, 0)))
        .await;

    assert_eq!(
        w.store
            .upcoming_bookings_of_customer(customer(0), now)
            .await
            .unwrap(),
        vec![running.clone(), soon.clone(), later.clone()],
        "upcoming: active, ending after now, by start"
    );
    assert_eq!(
        w.store.bookings_of_customer(customer(0)).await.unwrap(),
        vec![past, running, soon, dropped, later],
        "all statuses, by start"
    );
    assert!(
        w.store
            .booking(BookingId::new(9_999_999).unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

/// `bookings_overlapping`: occupied intervals, staff filter, scope.
pub async fn period_queries_see_buffers_and_filter<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    // Occupies 11:00-13:00 although the visit is 12:00-12:30.
    let buffered = w
        .create(w.visit(customer(0), w.anna, at(12, 0), 30, (60, 30)))
        .await;
    let boris = w
        .create(w.visit(customer(0), w.boris, at(11, 0), 60, (0, 0)))
        .await;
    let gone = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 30, (0, 0)))
        .await;
    let gone = w.cancel(&gone).await;

    let window = interval(at(10, 15), at(11, 30));
    assert_eq!(
        w.store
            .bookings_overlapping(window, None, BookingScope::AllStatuses)
            .await
            .unwrap(),
        vec![gone.clone(), boris.clone(), buffered.clone()],
        "by start, buffers included"
    );
    assert_eq!(
        w.store
            .bookings_overlapping(window, None, BookingScope::ActiveOnly)
            .await
            .unwrap(),
        vec![boris.clone(), buffered.clone()]
    );
    assert_eq!(
        w.store
            .bookings_overlapping(window, Some(w.anna), BookingScope::ActiveOnly)
            .await
            .unwrap(),
        vec![buffered.clone()]
    );
    assert!(
        w.store
            .bookings_overlapping(
                interval(at(13, 0), at(14, 0)),
                None,
                BookingScope::AllStatuses
            )
            .await
            .unwrap()
            .is_empty(),
        "touching is not overlapping"
    );
}

/// The export stream: bookings starting within the half-open period, in any
/// status, by start then id.
pub async fn export_streams_the_period_in_order<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let day = at(0, 0);
    let mut expected = Vec::new();
    // 150 bookings over 5 days, created out of order, some cancelled.
    for i in (0..150).rev() {
        let staff = if i % 2 == 0 { w.anna } else { w.boris };
        let start = day + Duration::minutes(30 * i64::from(i));
        let booking = w
            .create(w.visit(customer(0), staff, start, 20, (0, 0)))
            .await;
        let booking = if i % 7 == 0 {
            w.cancel(&booking).await
        } else {
            booking
        };
        expected.push(booking);
    }
    let before = w
        .create(w.visit(customer(0), w.anna, day - Duration::minutes(20), 20, (0, 0)))
        .await;
    let after_end = day + Duration::minutes(30 * 150);
    let after = w
        .create(w.visit(customer(0), w.anna, after_end, 20, (0, 0)))
        .await;
    expected.sort_by_key(|b| (b.start(), b.id()));

    let streamed: Vec<Booking> = w
        .store
        .export_bookings(interval(day, after_end))
        .map(Result::unwrap)
        .collect()
        .await;

    assert_eq!(streamed.len(), 150);
    assert_eq!(
        streamed, expected,
        "MUST stream the period's bookings by start then id"
    );
    assert!(
        !streamed.contains(&before) && !streamed.contains(&after),
        "the period is half-open"
    );
}

/// `customers_with_bookings_before`.
pub async fn returning_customers_are_those_with_earlier_bookings<S: ContractStore>(store: S) {
    let w = world(store, 3).await;
    w.create(w.visit(customer(0), w.anna, at(9, 0), 30, (0, 0)))
        .await;
    let cancelled_one = w
        .create(w.visit(customer(1), w.anna, at(10, 0), 30, (0, 0)))
        .await;
    w.cancel(&cancelled_one).await;
    w.create(w.visit(customer(2), w.anna, at(14, 0), 30, (0, 0)))
        .await;

    let mut seen = w
        .store
        .customers_with_bookings_before(at(12, 0), vec![customer(0), customer(1), customer(2)])
        .await
        .unwrap();
    seen.sort();
    assert_eq!(
        seen,
        vec![customer(0), customer(1)],
        "any status counts; later bookings do not"
    );
    assert!(
        w.store
            .customers_with_bookings_before(at(12, 0), vec![customer(2)])
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

const RACERS: usize = 50;

/// 50 tasks race for overlapping intervals of one staff member: exactly one
/// booking exists afterwards and every loser got `SlotTaken`.
pub async fn racing_overlapping_creates_leave_exactly_one_booking<S: ContractStore>(store: S) {
    let w = Arc::new(world(store, RACERS as i64).await);
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let (w, barrier) = (Arc::clone(&w), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            // Starts spread over 49 minutes, each an hour long: all overlap.
            let new = w.visit(
                customer(i as i64),
                w.anna,
                at(10, 0) + Duration::minutes(i as i64),
                60,
                (0, 0),
            );
            barrier.wait().await;
            w.store
                .create_booking(
                    new,
                    no_limit(),
                    vec![reminder(customer(i as i64), 60, at(10, 0))],
                )
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(CreateBookingError::SlotTaken { .. }) => {}
            Err(other) => panic!("a lost race MUST be SlotTaken, not {other:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one racer MUST win");
    let active = w.active_of(w.anna).await;
    assert_eq!(active.len(), 1, "exactly one booking MUST exist");
    let due = w.store.due_notifications(at(23, 0), 1_000).await.unwrap();
    assert_eq!(due.len(), 1, "only the winner's notice MUST be stored");
    assert_eq!(due[0].booking, active[0].id());
}

/// 50 tasks of one customer race for free, separate slots under a limit of
/// 3: exactly 3 bookings exist afterwards.
pub async fn racing_creates_respect_the_active_booking_limit<S: ContractStore>(store: S) {
    let w = Arc::new(world(store, 1).await);
    let barrier = Arc::new(Barrier::new(RACERS));
    let limit = ActiveBookingLimit {
        max: 3,
        now: long_before(),
    };
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let (w, barrier) = (Arc::clone(&w), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            let staff = if i % 2 == 0 { w.anna } else { w.boris };
            let new = w.visit(
                customer(0),
                staff,
                at(0, 0) + Duration::hours(i as i64),
                30,
                (0, 0),
            );
            barrier.wait().await;
            w.store.create_booking(new, limit, Vec::new()).await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(CreateBookingError::TooManyActiveBookings { limit: 3 }) => {}
            Err(other) => panic!("a refused racer MUST get TooManyActiveBookings, not {other:?}"),
        }
    }
    assert_eq!(won, 3, "the limit MUST hold under concurrency");
    assert_eq!(
        w.store
            .upcoming_bookings_of_customer(customer(0), long_before())
            .await
            .unwrap()
            .len(),
        3
    );
}

/// 50 tasks update one booking from the same version: exactly one wins, the
/// others get `VersionConflict`, and the version went up by exactly one.
pub async fn racing_updates_of_one_version_let_exactly_one_win<S: ContractStore>(store: S) {
    let w = Arc::new(world(store, 1).await);
    let booking = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let (w, barrier, booking) = (Arc::clone(&w), Arc::clone(&barrier), booking.clone());
        tasks.push(tokio::spawn(async move {
            let change = if i % 2 == 0 {
                cancelled(&booking)
            } else {
                booking.confirm_attendance(long_before()).unwrap()
            };
            barrier.wait().await;
            w.store
                .update_booking(
                    booking.version(),
                    change,
                    OutboxChange {
                        add: vec![staff_notice(w.anna, NoticeKind::Cancelled, at(9, 0))],
                        withdraw_pending_reminders: false,
                    },
                )
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(UpdateBookingError::VersionConflict { .. }) => {}
            Err(other) => panic!("a stale racer MUST get VersionConflict, not {other:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one update of a version MUST win");
    let stored = w.store.booking(booking.id()).await.unwrap().unwrap();
    assert_eq!(stored.version(), booking.version().next());
    assert_eq!(
        w.store
            .notifications_of_booking(booking.id())
            .await
            .unwrap()
            .len(),
        1,
        "only the winner's outbox change MUST be stored"
    );
}

/// Creations and reschedules race for one slot: exactly one wins and every
/// moved booking that lost is untouched.
pub async fn racing_creates_and_reschedules_into_one_slot_let_one_win<S: ContractStore>(store: S) {
    let w = Arc::new(world(store, RACERS as i64).await);
    let mut originals = Vec::new();
    for i in 0..RACERS / 2 {
        // Each mover starts from its own free slot on another day.
        let start = at(9, 0) + Duration::days(1) + Duration::minutes(45 * i as i64);
        originals.push(
            w.create(w.visit(customer(i as i64), w.boris, start, 30, (0, 0)))
                .await,
        );
    }
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let (w, barrier) = (Arc::clone(&w), Arc::clone(&barrier));
        let original = originals.get(i).cloned();
        tasks.push(tokio::spawn(async move {
            let who = customer(i as i64);
            let new = w.visit(
                who,
                w.anna,
                at(10, 0) + Duration::minutes(i as i64 % 20),
                30,
                (0, 0),
            );
            barrier.wait().await;
            match original {
                Some(old) => w
                    .store
                    .reschedule_booking(old, new, OutboxChange::none())
                    .await
                    .map(|_| ())
                    .map_err(|e| matches!(e, RescheduleError::SlotTaken { .. })),
                None => w
                    .store
                    .create_booking(new, no_limit(), Vec::new())
                    .await
                    .map(|_| ())
                    .map_err(|e| matches!(e, CreateBookingError::SlotTaken { .. })),
            }
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(true) => {}
            Err(false) => panic!("a lost race MUST be SlotTaken"),
        }
    }
    assert_eq!(won, 1, "exactly one racer MUST get the slot");
    assert_eq!(w.active_of(w.anna).await.len(), 1);
    let moved_away = RACERS / 2 - w.active_of(w.boris).await.len();
    assert!(
        moved_away <= 1,
        "only a winning reschedule MUST close its old booking"
    );
}

// ---------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------

/// Profiles are created, replaced and read back whole.
pub async fn customer_profiles_are_saved_and_replaced<S: ContractStore>(store: S) {
    let id = customer(0);
    assert!(store.customer(id).await.unwrap().is_none());
    store.save_customer(profile(id)).await.unwrap();
    assert_eq!(store.customer(id).await.unwrap(), Some(profile(id)));
    let changed = CustomerProfile {
        name: CustomerName::new("Anna P.").unwrap(),
        language: None,
        ..profile(id)
    };
    store.save_customer(changed.clone()).await.unwrap();
    assert_eq!(
        store.customer(id).await.unwrap(),
        Some(changed),
        "save MUST replace"
    );
}

/// Erasure: profile deleted, bookings anonymised (rows kept, version + 1),
/// the customer's notifications deleted, nobody else touched.
pub async fn erase_anonymises_bookings_and_deletes_the_profile_and_notices<S: ContractStore>(
    store: S,
) {
    let w = world(store, 2).await;
    let gone = customer(0);
    let first = w
        .store
        .create_booking(
            w.visit(gone, w.anna, at(9, 0), 60, (0, 0)),
            no_limit(),
            vec![
                reminder(gone, 60, at(9, 0)),
                new_booking_notice(w.anna, at(8, 0)),
            ],
        )
        .await
        .unwrap();
    let second = w
        .create(w.visit(gone, w.boris, at(11, 0), 60, (0, 0)))
        .await;
    let second = w.cancel(&second).await;
    let other = w
        .store
        .create_booking(
            w.visit(customer(1), w.anna, at(13, 0), 60, (0, 0)),
            no_limit(),
            vec![reminder(customer(1), 60, at(13, 0))],
        )
        .await
        .unwrap();

    let erasure = w.store.erase_customer(gone).await.unwrap();

    assert!(erasure.profile_deleted);
    assert_eq!(erasure.bookings_anonymised, 2);
    assert_eq!(erasure.notifications_deleted, 1);
    assert!(
        w.store.customer(gone).await.unwrap().is_none(),
        "the profile MUST be deleted"
    );
    for before in [&first, &second] {
        let after = w
            .store
            .booking(before.id())
            .await
            .unwrap()
            .expect("the row MUST stay");
        assert_eq!(
            after,
            before.anonymised(),
            "bookings MUST be anonymised with Booking::anonymised"
        );
        assert_eq!(after.customer(), None);
        assert_eq!(after.comment(), None);
    }
    assert!(w.store.bookings_of_customer(gone).await.unwrap().is_empty());
    assert_eq!(
        w.store
            .bookings_overlapping(
                interval(at(0, 0), at(23, 0)),
                None,
                BookingScope::AllStatuses
            )
            .await
            .unwrap()
            .len(),
        3,
        "anonymous rows MUST stay for statistics"
    );
    let left = w.store.notifications_of_booking(first.id()).await.unwrap();
    assert!(
        left.iter()
            .all(|n| n.recipient != Recipient::Customer(gone))
            && left.len() == 1,
        "notifications to the customer MUST be deleted, staff ones kept: {left:?}"
    );
    assert_eq!(
        w.store.booking(other.id()).await.unwrap(),
        Some(other.clone())
    );
    assert_eq!(
        w.store
            .notifications_of_booking(other.id())
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(w.store.customer(customer(1)).await.unwrap().is_some());

    let again = w.store.erase_customer(gone).await.unwrap();
    assert_eq!(
        again,
        crate::ports::customers::Erasure::default(),
        "erasing twice erases nothing more"
    );
}

// ---------------------------------------------------------------------------
// Conversations
// ---------------------------------------------------------------------------

/// Expired state reads as absent and is purged; save replaces; delete works.
pub async fn conversation_state_expires<S: ContractStore>(store: S) {
    let key = conversation("client", 42);
    let now = at(10, 0);
    store
        .save_conversation(key.clone(), "first".to_owned(), now + Duration::minutes(30))
        .await
        .unwrap();
    store
        .save_conversation(
            key.clone(),
            "second".to_owned(),
            now + Duration::minutes(30),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .load_conversation(key.clone(), now)
            .await
            .unwrap()
            .as_deref(),
        Some("second"),
        "save MUST replace"
    );
    assert_eq!(
        store
            .load_conversation(key.clone(), now + Duration::minutes(30))
            .await
            .unwrap(),
        None,
        "state MUST read as absent once expires_at <= now"
    );
    let other = conversation("client", 43);
    store
        .save_conversation(other.clone(), "kept".to_owned(), now + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(
        store
            .purge_expired_conversations(now + Duration::minutes(31))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .load_conversation(other.clone(), now)
            .await
            .unwrap()
            .as_deref(),
        Some("kept")
    );
    store.delete_conversation(other.clone()).await.unwrap();
    store.delete_conversation(other.clone()).await.unwrap();
    assert_eq!(store.load_conversation(other, now).await.unwrap(), None);
}

/// The same chat in two bots is two conversations.
pub async fn bots_never_see_each_others_conversations<S: ContractStore>(store: S) {
    let now = at(10, 0);
    let client = conversation("client", 42);
    let admin = conversation("admin", 42);
    store
        .save_conversation(
            client.clone(),
            "client state".to_owned(),
            now + Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(
        store.load_conversation(admin.clone(), now).await.unwrap(),
        None
    );
    store
        .save_conversation(
            admin.clone(),
            "admin state".to_owned(),
            now + Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .load_conversation(client.clone(), now)
            .await
            .unwrap()
            .as_deref(),
        Some("client state")
    );
    store.delete_conversation(admin.clone()).await.unwrap();
    assert_eq!(
        store
            .load_conversation(client, now)
            .await
            .unwrap()
            .as_deref(),
        Some("client state"),
        "deleting one bot's state MUST NOT touch another's"
    );
}

// ---------------------------------------------------------------------------
// Outbox
// ---------------------------------------------------------------------------

/// Due: pending, `next_attempt_at <= now`, by `next_attempt_at` then id,
/// at most `limit`.
pub async fn due_notifications_are_pending_ordered_and_limited<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(18, 0);
    let booking = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, start, 60, (0, 0)),
            no_limit(),
            vec![
                reminder(customer(0), 60, start),
                staff_notice(
                    w.anna,
                    NoticeKind::NewBooking {
                        awaiting_confirmation: true,
                    },
                    at(9, 0),
                ),
                reminder(customer(0), 600, start),
                staff_notice(
                    w.anna,
                    NoticeKind::StaffReminder {
                        before: minutes(60),
                    },
                    start - Duration::minutes(60),
                ),
            ],
        )
        .await
        .unwrap();

    let due = w.store.due_notifications(at(17, 0), 10).await.unwrap();
    let order: Vec<_> = due.iter().map(|n| (n.next_attempt_at, n.kind)).collect();
    assert_eq!(order.len(), 4);
    assert!(
        order.windows(2).all(|p| p[0].0 <= p[1].0),
        "MUST be ordered by next_attempt_at: {order:?}"
    );
    assert_eq!(
        order[0].1,
        NoticeKind::CustomerReminder {
            before: minutes(600)
        }
    );
    let same_time: Vec<_> = due
        .iter()
        .filter(|n| n.next_attempt_at == at(17, 0))
        .map(|n| n.id)
        .collect();
    assert!(
        same_time.windows(2).all(|p| p[0] < p[1]),
        "ties MUST be ordered by id"
    );

    assert_eq!(
        w.store.due_notifications(at(9, 0), 10).await.unwrap().len(),
        2,
        "only those due by now"
    );
    assert_eq!(
        w.store.due_notifications(at(17, 0), 3).await.unwrap().len(),
        3,
        "at most limit"
    );
    assert_eq!(due[0].booking, booking.id());
}

/// Sent, retried and failed notifications: attempts counted, states kept,
/// only pending ones change.
pub async fn delivery_outcomes_are_recorded_once<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(18, 0);
    let (booking, ids) = w
        .visit_with_notices(vec![
            new_booking_notice(w.anna, at(9, 0)),
            reminder(customer(0), 120, start),
            reminder(customer(0), 60, start),
        ])
        .await;
    let (notice, early, late) = (ids[0], ids[1], ids[2]);

    w.store.mark_sent(notice, at(9, 1)).await.unwrap();
    w.store.retry_later(early, at(16, 30)).await.unwrap();
    w.store
        .mark_failed(
            late,
            at(17, 0),
            FailureReason::new("bot was blocked by the user"),
        )
        .await
        .unwrap();

    let stored = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();
    assert_eq!(stored[0].state, DeliveryState::Sent { at: at(9, 1) });
    assert_eq!(stored[0].attempts, 1, "MUST count the attempt");
    assert_eq!(
        stored[1].state,
        DeliveryState::Pending,
        "a temporary failure MUST stay pending"
    );
    assert_eq!(stored[1].attempts, 1);
    assert_eq!(stored[1].next_attempt_at, at(16, 30));
    assert_eq!(
        stored[1].due_at,
        start - Duration::minutes(120),
        "due_at MUST NOT change"
    );
    assert_eq!(
        stored[2].state,
        DeliveryState::Failed {
            at: at(17, 0),
            reason: FailureReason::new("bot was blocked by the user")
        }
    );

    let due: BTreeSet<_> = w
        .store
        .due_notifications(at(23, 0), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(
        due,
        BTreeSet::from([early]),
        "sent and failed MUST never be due again"
    );
    assert!(
        w.store
            .due_notifications(at(16, 0), 10)
            .await
            .unwrap()
            .is_empty(),
        "a retry waits for next_attempt_at"
    );

    assert!(matches!(
        w.store.mark_sent(notice, at(9, 2)).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Sent { .. }
        })
    ));
    assert!(matches!(
        w.store.retry_later(late, at(18, 0)).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Failed { .. }
        })
    ));
    w.cancel_with_withdrawal(&booking).await;
    assert!(matches!(
        w.store.mark_sent(early, at(16, 31)).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Withdrawn
        })
    ));
    let unknown = crate::ports::outbox::NotificationId::new(9_999_999).unwrap();
    assert!(matches!(
        w.store.mark_sent(unknown, at(9, 0)).await,
        Err(MarkNotificationError::NotFound)
    ));
}

/// A single notification withdrawn by the dispatcher: the state becomes
/// withdrawn, no attempt is counted, it is never due again, and only a
/// pending one can be withdrawn.
pub async fn a_pending_notification_can_be_withdrawn_alone<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(18, 0);
    let (booking, ids) = w
        .visit_with_notices(vec![
            reminder(customer(0), 600, start),
            reminder(customer(0), 60, start),
            new_booking_notice(w.anna, at(9, 0)),
        ])
        .await;
    let (superseded, kept, sent) = (ids[0], ids[1], ids[2]);
    w.store.retry_later(superseded, at(8, 30)).await.unwrap();
    w.store.mark_sent(sent, at(9, 0)).await.unwrap();

    w.store.withdraw_notification(superseded).await.unwrap();

    let stored = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();
    assert_eq!(stored[0].state, DeliveryState::Withdrawn);
    assert_eq!(
        stored[0].attempts, 1,
        "withdrawing MUST NOT count an attempt"
    );
    assert_eq!(
        stored[1].state,
        DeliveryState::Pending,
        "only the one named MUST change"
    );
    let due: Vec<_> = w
        .store
        .due_notifications(at(23, 0), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(due, vec![kept], "a withdrawn one MUST never be due again");
    assert!(matches!(
        w.store.withdraw_notification(superseded).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Withdrawn
        })
    ));
    assert!(matches!(
        w.store.withdraw_notification(sent).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Sent { .. }
        })
    ));
    let unknown = crate::ports::outbox::NotificationId::new(9_999_999).unwrap();
    assert!(matches!(
        w.store.withdraw_notification(unknown).await,
        Err(MarkNotificationError::NotFound)
    ));
}

/// The backlog: pending notifications due by now, retries included, with
/// the earliest due time; settled ones and later ones left out.
pub async fn the_backlog_counts_late_pending_notifications<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(18, 0);
    let (_, ids) = w
        .visit_with_notices(vec![
            reminder(customer(0), 600, start),
            new_booking_notice(w.anna, at(9, 0)),
            reminder(customer(0), 60, start),
        ])
        .await;
    let (early, notice, late) = (ids[0], ids[1], ids[2]);
    let backlog = |now| {
        let store = w.store.clone();
        async move { store.outbox_backlog(now).await.unwrap() }
    };

    assert_eq!(
        backlog(at(7, 59)).await,
        OutboxBacklog::default(),
        "nothing is due before 08:00"
    );
    let at_nine = backlog(at(9, 0)).await;
    assert_eq!(
        at_nine,
        OutboxBacklog {
            due: 2,
            oldest_due_at: Some(at(8, 0))
        },
        "MUST count every pending one with due_at <= now"
    );
    assert_eq!(at_nine.oldest_age(at(9, 30)), Duration::minutes(90));

    w.store.retry_later(early, at(12, 0)).await.unwrap();
    w.store.mark_sent(notice, at(9, 1)).await.unwrap();
    assert_eq!(
        backlog(at(9, 30)).await,
        OutboxBacklog {
            due: 1,
            oldest_due_at: Some(at(8, 0))
        },
        "a retry waiting for its next attempt MUST count; a sent one MUST NOT"
    );
    assert_eq!(backlog(at(17, 0)).await.due, 2);

    w.store
        .mark_failed(late, at(17, 1), FailureReason::new("chat not found"))
        .await
        .unwrap();
    w.store.withdraw_notification(early).await.unwrap();
    assert_eq!(
        backlog(at(23, 0)).await,
        OutboxBacklog::default(),
        "failed and withdrawn ones MUST NOT count"
    );
}

impl<S: ContractStore> World<S> {
    /// A confirmed hour of `customer(0)` with Anna at 18:00 stored with
    /// `notices`, and the ids of its notifications in the order given.
    async fn visit_with_notices(&self, notices: Vec<NewNotice>) -> (Booking, Vec<NotificationId>) {
        let booking = self
            .store
            .create_booking(
                self.visit(customer(0), self.anna, at(18, 0), 60, (0, 0)),
                no_limit(),
                notices,
            )
            .await
            .unwrap();
        let ids = self
            .store
            .notifications_of_booking(booking.id())
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect();
        (booking, ids)
    }

    async fn cancel_with_withdrawal(&self, booking: &Booking) {
        self.store
            .update_booking(
                booking.version(),
                cancelled(booking),
                OutboxChange {
                    add: Vec::new(),
                    withdraw_pending_reminders: true,
                },
            )
            .await
            .unwrap();
    }
}

/// Field access for building variations of a [`NewBooking`] in tests.
trait NewBookingFields {
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
        }
    }
}

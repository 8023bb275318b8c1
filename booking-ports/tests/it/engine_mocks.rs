//! Interaction tests of the engine with mockall mocks of the ports: which
//! store calls a use case makes and with which outbox change. A call nobody
//! expected fails the test, so "exactly once" and "nothing else" are checked
//! by construction.

use std::sync::Arc;

use booking_domain::{
    Booking, BookingId, BookingStatus, CustomerName, NewBooking, NewBookingParts, Service,
    ServiceId, StaffChoice, StaffId, StaffMember, Version,
};
use booking_ports::engine::{BookError, BookingChangeError, StaffBookingForm};
use booking_ports::ports::bookings::MockBookingStore;
use booking_ports::ports::catalog::MockCatalogStore;
use booking_ports::ports::customers::CustomerProfile;
use booking_ports::ports::customers::MockCustomerStore;
use booking_ports::{
    BookingReads, CalendarRead, CatalogRevision, CreateBookingError, CustomerChurn,
    CustomerStanding, Engine, EngineSettings, ManualClock, NewNotice, NoticeKind, Recipient,
    RescheduleError, Rescheduled, StaffActor, StaffRole, StaffUser,
};

use crate::common::{anna_spec, customer, form, haircut_spec, minutes, moscow, policy};

fn anna() -> StaffId {
    StaffId::new(1).unwrap()
}

fn haircut() -> ServiceId {
    ServiceId::new(1).unwrap()
}

/// A catalog of Anna and a haircut, read as often as the engine likes.
fn catalog() -> MockCatalogStore {
    let mut catalog = MockCatalogStore::new();
    catalog
        .expect_catalog_revision()
        .returning(|| Ok(CatalogRevision::new(1)));
    catalog.expect_services().returning(|| {
        Ok(vec![
            Service::new(haircut(), haircut_spec(vec![anna()])).unwrap(),
        ])
    });
    catalog
        .expect_staff()
        .returning(|| Ok(vec![StaffMember::new(anna(), anna_spec()).unwrap()]));
    catalog
        .expect_date_overrides()
        .returning(|_, _| Ok(Vec::new()));
    catalog.expect_time_off().returning(|_| Ok(Vec::new()));
    catalog
}

/// An empty calendar: no bookings anywhere, none held by the customer.
fn empty_bookings() -> MockBookingStore {
    let mut bookings = MockBookingStore::new();
    bookings
        .expect_occupancy_overlapping()
        .returning(|_| Ok(Vec::new()));
    // A booking reads the customer's upcoming bookings, what the daily
    // limits count and the day's calendar in one read; other changes read
    // each alone.
    bookings
        .expect_standing_and_calendar()
        .returning(|_, _, _, _| Ok(BookingReads::default()));
    bookings
        .expect_upcoming_bookings_of_customer()
        .returning(|_, _| Ok(Vec::new()));
    bookings
        .expect_customer_churn_since()
        .returning(|_, _| Ok(CustomerChurn::default()));
    bookings
}

/// A new customer whose record is made once.
fn new_customer() -> MockCustomerStore {
    let mut customers = MockCustomerStore::new();
    customers.expect_customer().returning(|_| Ok(None));
    customers
        .expect_save_customer()
        .times(1)
        .returning(|_| Ok(()));
    customers
}

fn engine(
    bookings: MockBookingStore,
    customers: MockCustomerStore,
    requires_confirmation: bool,
) -> Engine {
    Engine::new(
        Arc::new(catalog()),
        Arc::new(bookings),
        Arc::new(customers),
        Arc::new(ManualClock::new(moscow(0, 8, 0))),
        policy(requires_confirmation),
        EngineSettings::default(),
    )
}

fn stored(status: BookingStatus) -> Booking {
    let new = NewBooking::new(NewBookingParts {
        customer: customer(1),
        service: haircut(),
        staff: anna(),
        start: moscow(2, 11, 0),
        end: moscow(2, 12, 0),
        buffer_before: minutes(0),
        buffer_after: minutes(15),
        comment: None,
        status,
        created_at: moscow(0, 7, 0),
        rescheduled_from: None,
        booked_for: None,
        price: None,
        created_by: booking_domain::Actor::Customer,
    })
    .unwrap();
    Booking::created(BookingId::new(10).unwrap(), new)
}

fn is_reminder_to_customer(notice: &NewNotice, before: i64) -> bool {
    notice.recipient == Recipient::Customer(customer(1))
        && notice.kind
            == (NoticeKind::CustomerReminder {
                before: minutes(before),
            })
        && notice.due_at == moscow(2, 11, 0) - minutes(before).to_duration()
}

#[tokio::test]
async fn a_booking_that_needs_confirmation_notifies_staff_exactly_once() {
    let mut bookings = empty_bookings();
    bookings
        .expect_create_booking()
        .times(1)
        .withf(|new, limit, notices| {
            *new.status() == BookingStatus::Pending
                && limit.max == 3
                && notices.len() == 1
                && notices[0].recipient == Recipient::Staff(anna())
                && notices[0].kind
                    == (NoticeKind::NewBooking {
                        awaiting_confirmation: true,
                    })
                && notices[0].due_at == moscow(0, 8, 0)
        })
        .returning(|new, _, _| Ok(Booking::created(BookingId::new(10).unwrap(), new)));
    let engine = engine(bookings, new_customer(), true);

    let booked = engine
        .book(
            customer(1),
            form(haircut(), StaffChoice::Any, moscow(2, 11, 0)),
        )
        .await
        .unwrap();

    assert_eq!(booked.booking.status(), &BookingStatus::Pending);
}

#[tokio::test]
async fn a_confirmed_booking_plans_the_configured_reminders() {
    let mut bookings = empty_bookings();
    bookings
        .expect_create_booking()
        .times(1)
        .withf(|new, _, notices| {
            *new.status() == BookingStatus::Confirmed
                && notices.len() == 3
                && notices[0].kind
                    == (NoticeKind::NewBooking {
                        awaiting_confirmation: false,
                    })
                && is_reminder_to_customer(&notices[1], 24 * 60)
                && is_reminder_to_customer(&notices[2], 120)
        })
        .returning(|new, _, _| Ok(Booking::created(BookingId::new(10).unwrap(), new)));
    let engine = engine(bookings, new_customer(), false);

    engine
        .book(
            customer(1),
            form(haircut(), StaffChoice::Only(anna()), moscow(2, 11, 0)),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_customer_with_an_upcoming_booking_is_not_looked_up_again() {
    let mut bookings = MockBookingStore::new();
    bookings
        .expect_occupancy_overlapping()
        .returning(|_| Ok(Vec::new()));
    bookings
        .expect_standing_and_calendar()
        .returning(|_, _, _, _| {
            Ok(BookingReads {
                standing: CustomerStanding {
                    upcoming: vec![stored(BookingStatus::Confirmed)],
                    churn: CustomerChurn::default(),
                },
                calendar: CalendarRead::default(),
            })
        });
    bookings
        .expect_create_booking()
        .times(1)
        .returning(|new, _, _| Ok(Booking::created(BookingId::new(11).unwrap(), new)));
    // Their record exists: neither read nor written.
    let mut customers = MockCustomerStore::new();
    customers.expect_customer().times(0);
    customers.expect_save_customer().times(0);
    let engine = engine(bookings, customers, false);

    let booked = engine
        .book(
            customer(1),
            form(haircut(), StaffChoice::Only(anna()), moscow(2, 14, 0)),
        )
        .await
        .unwrap();

    assert_eq!(booked.booking.start(), moscow(2, 14, 0));
}

#[tokio::test]
async fn staff_confirmation_tells_the_customer_and_plans_the_reminders() {
    let mut bookings = MockBookingStore::new();
    bookings
        .expect_booking()
        .returning(|_| Ok(Some(stored(BookingStatus::Pending))));
    bookings
        .expect_update_booking()
        .times(1)
        .withf(|expected, updated, outbox| {
            *expected == Version::FIRST
                && *updated.status() == BookingStatus::Confirmed
                && !outbox.withdraw_pending_reminders
                && outbox.add.len() == 3
                && outbox.add[0].recipient == Recipient::Customer(customer(1))
                && outbox.add[0].kind == NoticeKind::Confirmed
                && is_reminder_to_customer(&outbox.add[1], 24 * 60)
                && is_reminder_to_customer(&outbox.add[2], 120)
        })
        .returning(|_, updated, _| Ok(updated));
    let mut customers = MockCustomerStore::new();
    customers.expect_customer().returning(|_| Ok(None));
    let engine = engine(bookings, customers, true);
    let staff = StaffActor::authenticated(StaffUser::new(7), None, booking_ports::StaffRole::Owner);

    engine
        .confirm_booking(&staff, BookingId::new(10).unwrap(), Version::FIRST)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_cancelled_booking_withdraws_its_reminders_and_tells_staff() {
    let mut bookings = MockBookingStore::new();
    // The daily limit on cancellations reads the customer's recent bookings.
    bookings
        .expect_customer_churn_since()
        .returning(|_, _| Ok(CustomerChurn::default()));
    bookings
        .expect_booking()
        .returning(|_| Ok(Some(stored(BookingStatus::Confirmed))));
    bookings
        .expect_update_booking()
        .times(1)
        .withf(|expected, updated, outbox| {
            *expected == Version::FIRST
                && matches!(updated.status(), BookingStatus::Cancelled(_))
                && outbox.withdraw_pending_reminders
                && outbox.add.len() == 1
                && outbox.add[0].recipient == Recipient::Staff(anna())
                && outbox.add[0].kind == NoticeKind::Cancelled
        })
        .returning(|_, updated, _| Ok(updated));
    let engine = engine(bookings, MockCustomerStore::new(), false);

    engine
        .cancel_my_booking(customer(1), BookingId::new(10).unwrap(), Version::FIRST)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_stale_version_is_refused_before_any_write() {
    let mut bookings = MockBookingStore::new();
    // The daily limit on cancellations reads the customer's recent bookings.
    bookings
        .expect_customer_churn_since()
        .returning(|_, _| Ok(CustomerChurn::default()));
    let current = stored(BookingStatus::Pending)
        .confirm(booking_domain::Actor::System, moscow(0, 9, 0))
        .unwrap();
    let returned = current.clone();
    bookings
        .expect_booking()
        .returning(move |_| Ok(Some(returned.clone())));
    bookings.expect_update_booking().never();
    let engine = engine(bookings, MockCustomerStore::new(), true);

    let stale = engine
        .cancel_my_booking(customer(1), BookingId::new(10).unwrap(), Version::FIRST)
        .await;

    match stale {
        Err(BookingChangeError::VersionConflict { current: seen }) => assert_eq!(*seen, current),
        other => panic!("expected VersionConflict, got {other:?}"),
    }
}

#[tokio::test]
async fn losing_the_race_in_the_store_is_reported_as_slot_taken() {
    let mut bookings = empty_bookings();
    bookings
        .expect_create_booking()
        .times(1)
        .returning(|new, _, _| Err(CreateBookingError::SlotTaken { start: new.start() }));
    let engine = engine(bookings, new_customer(), false);

    let outcome = engine
        .book(
            customer(1),
            form(haircut(), StaffChoice::Only(anna()), moscow(2, 11, 0)),
        )
        .await;

    assert!(matches!(outcome, Err(BookError::SlotTaken { start }) if start == moscow(2, 11, 0)));
}

/// "Any staff member": the one the engine chose was booked by someone else
/// at the same moment. The engine plans again from a fresh calendar (where
/// another may be free) instead of telling the customer the time is taken.
#[tokio::test]
async fn any_staff_plans_again_when_the_chosen_one_was_taken_meanwhile() {
    let mut bookings = empty_bookings();
    let attempts = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counted = std::sync::Arc::clone(&attempts);
    bookings
        .expect_create_booking()
        .times(2)
        .returning(move |new, _, _| {
            if counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                Err(CreateBookingError::SlotTaken { start: new.start() })
            } else {
                Ok(Booking::created(BookingId::new(10).unwrap(), new))
            }
        });
    let engine = engine(bookings, new_customer(), false);

    let outcome = engine
        .book(
            customer(1),
            form(haircut(), StaffChoice::Any, moscow(2, 11, 0)),
        )
        .await;

    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// The front desk's "any staff member" plans again too when its pick was
/// taken at the same moment.
#[tokio::test]
async fn the_desk_plans_any_staff_again_when_the_chosen_one_was_taken_meanwhile() {
    let mut bookings = empty_bookings();
    let attempts = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counted = Arc::clone(&attempts);
    bookings
        .expect_create_booking()
        .times(2)
        .returning(move |new, _, _| {
            if counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                Err(CreateBookingError::SlotTaken { start: new.start() })
            } else {
                Ok(Booking::created(BookingId::new(10).unwrap(), new))
            }
        });
    let mut customers = MockCustomerStore::new();
    customers.expect_customer().returning(|id| {
        Ok(Some(CustomerProfile {
            id,
            name: CustomerName::new("Maria Ivanova").unwrap(),
            phone: None,
            telegram: None,
            language: None,
            consented_at: moscow(0, 8, 0),
            notes: String::new(),
        }))
    });
    let engine = engine(bookings, customers, false);
    let desk = StaffActor::authenticated(StaffUser::new(1), None, StaffRole::Owner);

    let outcome = engine
        .book_for_customer(
            &desk,
            StaffBookingForm {
                customer: customer(1),
                service: haircut(),
                staff: StaffChoice::Any,
                start: moscow(2, 11, 0),
                comment: None,
            },
        )
        .await;

    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// A move to "any staff member" whose pick was booked by someone else at
/// the same moment is planned again too, as a new booking is.
#[tokio::test]
async fn a_move_to_any_staff_plans_again_when_the_chosen_one_was_taken_meanwhile() {
    let mut bookings = empty_bookings();
    bookings
        .expect_booking()
        .returning(|_| Ok(Some(stored(BookingStatus::Confirmed))));
    let attempts = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counted = Arc::clone(&attempts);
    bookings
        .expect_reschedule_booking()
        .times(2)
        .returning(move |old, new, _| {
            if counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                Err(RescheduleError::SlotTaken { start: new.start() })
            } else {
                Ok(Rescheduled {
                    old,
                    new: Booking::created(BookingId::new(11).unwrap(), new),
                })
            }
        });
    let engine = engine(bookings, MockCustomerStore::new(), false);

    let moved = engine
        .reschedule_my_booking(
            customer(1),
            BookingId::new(10).unwrap(),
            Version::FIRST,
            StaffChoice::Any,
            moscow(2, 14, 0),
        )
        .await;

    assert!(moved.is_ok(), "{moved:?}");
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// A time every try loses is refused as taken, after a bounded number of
/// tries.
#[tokio::test]
async fn any_staff_gives_up_a_time_every_try_loses() {
    let mut bookings = empty_bookings();
    bookings
        .expect_create_booking()
        .times(4)
        .returning(|new, _, _| Err(CreateBookingError::SlotTaken { start: new.start() }));
    let engine = engine(bookings, new_customer(), false);

    let outcome = engine
        .book(
            customer(1),
            form(haircut(), StaffChoice::Any, moscow(2, 11, 0)),
        )
        .await;

    assert!(
        matches!(outcome, Err(BookError::SlotTaken { .. })),
        "{outcome:?}"
    );
}

use booking_domain::{
    BookingStatus, Currency, CustomerId, LocalTimeRange, Minutes, Money, NewBookingParts,
    ServiceId, ServiceName, ServiceSpec, StaffId, StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::{BookingStore, CatalogStore, NoticeKind, NotificationOutbox, Recipient};
use chrono::{DateTime, Duration, TimeZone, Utc, Weekday};

use super::*;
use crate::{SqliteSettings, SqliteStore};

struct World {
    dir: tempfile::TempDir,
    store: SqliteStore,
    service: ServiceId,
    anna: StaffId,
    boris: StaffId,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&SqliteSettings::new(dir.path().join("batch.db")))
        .await
        .unwrap();
    let hours =
        WeeklyHours::new([(Weekday::Mon, LocalTimeRange::parse("09:00-18:00").unwrap())]).unwrap();
    let mut staff = Vec::new();
    for name in ["Anna", "Boris"] {
        let spec = StaffSpec {
            name: StaffName::new(name).unwrap(),
            hours: hours.clone(),
            active: true,
        };
        staff.push(store.add_staff(spec).await.unwrap().id());
    }
    let service = store
        .add_service(ServiceSpec {
            name: ServiceName::new("Haircut").unwrap(),
            duration: Minutes::new(60).unwrap(),
            price: Money::new(2500, Currency::new("EUR").unwrap()).unwrap(),
            buffer_before: Minutes::ZERO,
            buffer_after: Minutes::ZERO,
            active: true,
            performers: staff.clone(),
        })
        .await
        .unwrap()
        .id();
    World {
        dir,
        store,
        service,
        anna: staff[0],
        boris: staff[1],
    }
}

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, hour, 0, 0).unwrap()
}

/// A request for an hour with `staff`, by `customer`, who may hold
/// `max` active bookings, with one notice to the staff member.
fn request(
    service: ServiceId,
    staff: StaffId,
    customer: i64,
    start: DateTime<Utc>,
    max: u16,
) -> Request {
    let new = NewBooking::new(NewBookingParts {
        customer: CustomerId::new(customer).unwrap(),
        service,
        staff,
        start,
        end: start + Duration::hours(1),
        buffer_before: Minutes::ZERO,
        buffer_after: Minutes::ZERO,
        comment: None,
        status: BookingStatus::Confirmed,
        created_at: at(0),
        rescheduled_from: None,
        booked_for: None,
        price: None,
        created_by: booking_domain::Actor::Customer,
    })
    .unwrap();
    Request {
        new,
        limit: ActiveBookingLimit { max, now: at(0) },
        notices: vec![NewNotice {
            recipient: Recipient::Staff(staff),
            kind: NoticeKind::NewBooking {
                awaiting_confirmation: false,
            },
            due_at: at(0),
        }],
        reply: oneshot::channel().0,
    }
}

/// A connection like the writer's.
async fn connection(w: &World) -> SqliteConnection {
    let path = w.dir.path().join("batch.db");
    crate::db::connect_options(&path, &SqliteSettings::new(&path))
        .connect()
        .await
        .unwrap()
}

async fn stored_ids(store: &SqliteStore) -> Vec<i64> {
    let day = booking_domain::Interval::new(at(0), at(23)).unwrap();
    let active = store
        .bookings_overlapping(day, None, booking_ports::BookingScope::AllStatuses)
        .await
        .unwrap();
    active.iter().map(|b| b.id().get()).collect()
}

#[tokio::test]
async fn each_booking_of_a_batch_is_checked_after_the_earlier_ones() {
    // Arrange: in one batch, a booking, one overlapping it, one with
    // another staff member at the same time, and a second booking of the
    // first customer, who may hold one.
    let w = world().await;
    let batch = [
        request(w.service, w.anna, 1, at(10), 1),
        request(w.service, w.anna, 2, at(10) + Duration::minutes(30), 5),
        request(w.service, w.boris, 3, at(10), 5),
        request(w.service, w.boris, 1, at(14), 1),
    ];

    // Act
    let decisions: Vec<_> = write(&mut connection(&w).await, &batch)
        .await
        .each
        .into_iter()
        .map(Result::unwrap)
        .collect();

    // Assert: one transaction saw its own bookings; the refused ones
    // left nothing behind, the others were committed with their notices.
    let [
        Decision::Created(first),
        Decision::SlotTaken,
        Decision::Created(third),
        Decision::TooManyActiveBookings,
    ] = decisions[..]
    else {
        panic!("unexpected decisions {decisions:?}");
    };
    assert_eq!(stored_ids(&w.store).await, [first, third]);
    for id in [first, third] {
        let booking = booking_domain::BookingId::new(id).unwrap();
        assert_eq!(
            w.store
                .notifications_of_booking(booking)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn a_booking_that_fails_fails_alone() {
    // Arrange: the middle booking names a service that does not exist,
    // which the foreign key refuses: not a refusal, a failure.
    let w = world().await;
    let missing = ServiceId::new(99).unwrap();
    let batch = [
        request(w.service, w.anna, 1, at(10), 5),
        request(missing, w.anna, 2, at(12), 5),
        request(w.service, w.boris, 3, at(10), 5),
    ];

    // Act
    let decisions = write(&mut connection(&w).await, &batch).await.each;

    // Assert: the others were written (each alone, after the batch was
    // rolled back), the failing one got its own error and left nothing.
    let (Ok(Decision::Created(first)), Err(_), Ok(Decision::Created(third))) =
        (&decisions[0], &decisions[1], &decisions[2])
    else {
        panic!("unexpected decisions {decisions:?}");
    };
    assert_eq!(stored_ids(&w.store).await, [*first, *third]);
    let pending = w.store.due_notifications(at(23), 10).await.unwrap();
    assert_eq!(pending.len(), 2);
}

#[tokio::test]
async fn concurrent_callers_get_their_own_answers() {
    // Arrange: 40 callers at once, in pairs wanting the same hour.
    let w = world().await;
    let tasks: Vec<_> = (0..40_i64)
        .map(|i| {
            let store = w.store.clone();
            let r = request(w.service, w.anna, i + 1, at(0) + Duration::hours(i / 2), 5);
            tokio::spawn(async move { store.create_booking(r.new, r.limit, r.notices).await })
        })
        .collect();

    // Act
    let mut created = Vec::new();
    let mut taken = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(booking) => created.push(booking.id().get()),
            Err(CreateBookingError::SlotTaken { .. }) => taken += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    // Assert: one of each pair, and exactly the acknowledged ones stored.
    assert_eq!((created.len(), taken), (20, 20));
    created.sort_unstable();
    let mut stored = stored_ids(&w.store).await;
    stored.sort_unstable();
    assert_eq!(stored, created);
}

#[tokio::test]
async fn a_stopped_writer_makes_the_store_answer_not_ready() {
    let w = world().await;
    w.store.ping().await.unwrap();
    // The pool still answers; only the writer is gone, as after a
    // panic on its thread.
    w.store.booking_writer.close().await;
    let error = w.store.ping().await.unwrap_err();
    let source = std::error::Error::source(&error).map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("the booking writer stopped"));
    drop(w.dir);
}

//! The booking port (`BookingStore`), reading: a customer's bookings, period
//! queries, the streamed export and returning customers.

use booking_domain::{Actor, Booking, BookingId, Occupancy};
use chrono::Duration;
use futures::StreamExt;

use super::ContractStore;
use super::world::*;
use crate::ports::bookings::{BookingReads, BookingScope, CustomerChurn, CustomerStanding};

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __booking_queries_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; booking_queries;
            customer_queries_return_what_they_promise,
            a_customers_churn_counts_what_they_made_and_cancelled_since,
            a_customers_standing_is_their_upcoming_bookings_and_their_churn,
            period_queries_see_buffers_and_filter,
            occupancy_is_the_time_active_bookings_hold,
            a_calendar_read_is_the_occupancy_and_the_catalog_revision,
            a_bookings_reads_are_the_standing_and_the_calendar,
            export_streams_the_period_in_order,
            returning_customers_are_those_with_earlier_bookings,
        );
    };
}

/// `customer_churn_since`: the customer's bookings made after the
/// instant, and those the customer cancelled after it; nobody else's, and
/// no cancellation by staff.
pub async fn a_customers_churn_counts_what_they_made_and_cancelled_since<S: ContractStore>(
    store: S,
) {
    let w = world(store, 2).await;
    let since = long_before() + Duration::hours(1);
    let later = since + Duration::hours(1);
    // Made before `since`: counted only once the customer cancels it after.
    w.create(w.visit(customer(0), w.anna, at(9, 0), 60, (0, 0)))
        .await;
    let cancelled_by_them = w
        .create(w.visit(customer(0), w.anna, at(11, 0), 60, (0, 0)))
        .await;
    w.cancel_by_at(&cancelled_by_them, Actor::Customer, later)
        .await;
    let cancelled_by_staff = w
        .create(w.visit(customer(0), w.boris, at(15, 0), 60, (0, 0)))
        .await;
    w.cancel_at(&cancelled_by_staff, later).await;
    // Made after `since`, one of them cancelled by the customer too.
    let made = since + Duration::minutes(1);
    w.create(w.visit_made_at(customer(0), w.boris, at(10, 0), 60, (0, 0), made))
        .await;
    let made_and_cancelled = w
        .create(w.visit_made_at(customer(0), w.anna, at(13, 0), 60, (0, 0), made))
        .await;
    w.cancel_by_at(&made_and_cancelled, Actor::Customer, later)
        .await;
    w.create(w.visit_made_at(customer(1), w.boris, at(13, 0), 60, (0, 0), made))
        .await;

    let churn = |who, since| w.store.customer_churn_since(who, since);
    assert_eq!(
        churn(customer(0), since).await.unwrap(),
        CustomerChurn {
            bookings_made: 2,
            cancelled_by_customer: 2,
        },
        "made after `since`; cancelled by the customer after `since`"
    );
    assert_eq!(
        churn(customer(1), since).await.unwrap(),
        CustomerChurn {
            bookings_made: 1,
            cancelled_by_customer: 0,
        }
    );
    assert_eq!(
        churn(customer(0), later).await.unwrap(),
        CustomerChurn::default(),
        "nothing after the last change"
    );
}

/// `customer_standing`: what the two reads it stands for answer, also for
/// a customer with no booking at all (a store that folds the reads into
/// one must still answer the counts then).
pub async fn a_customers_standing_is_their_upcoming_bookings_and_their_churn<S: ContractStore>(
    store: S,
) {
    let w = world(store, 3).await;
    let now = at(12, 0);
    let since = long_before() + Duration::hours(1);
    let made = since + Duration::minutes(1);
    w.create(w.visit(customer(0), w.anna, at(9, 0), 60, (0, 0)))
        .await;
    let soon = w
        .create(w.visit_made_at(customer(0), w.boris, at(13, 0), 60, (0, 0), made))
        .await;
    let later = w
        .create(w.visit_made_at(customer(0), w.boris, at(15, 0), 60, (0, 0), made))
        .await;
    let dropped = w
        .create(w.visit_made_at(customer(0), w.anna, at(14, 0), 60, (0, 0), made))
        .await;
    w.cancel_by_at(&dropped, Actor::Customer, since + Duration::hours(1))
        .await;
    // Nothing upcoming, yet changes that count.
    let theirs = w
        .create(w.visit_made_at(customer(1), w.anna, at(16, 0), 60, (0, 0), made))
        .await;
    w.cancel_by_at(&theirs, Actor::Customer, since + Duration::hours(1))
        .await;

    let standing = |who| w.store.customer_standing(who, now, since);
    assert_eq!(
        standing(customer(0)).await.unwrap(),
        CustomerStanding {
            upcoming: vec![soon, later],
            churn: CustomerChurn {
                bookings_made: 3,
                cancelled_by_customer: 1,
            },
        }
    );
    for who in [customer(1), customer(2)] {
        assert_eq!(
            standing(who).await.unwrap(),
            CustomerStanding {
                upcoming: w
                    .store
                    .upcoming_bookings_of_customer(who, now)
                    .await
                    .unwrap(),
                churn: w.store.customer_churn_since(who, since).await.unwrap(),
            },
        );
    }
    assert_eq!(
        standing(customer(1)).await.unwrap(),
        CustomerStanding {
            upcoming: Vec::new(),
            churn: CustomerChurn {
                bookings_made: 1,
                cancelled_by_customer: 1,
            },
        }
    );
    assert_eq!(
        standing(customer(2)).await.unwrap(),
        CustomerStanding::default(),
        "no booking: nothing upcoming, nothing counted"
    );
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

/// `occupancy_overlapping`: the active bookings `bookings_overlapping`
/// gives (buffers included, by start), as the time they hold: the
/// visit's start and the occupied interval, of the right booking and staff
/// member.
pub async fn occupancy_is_the_time_active_bookings_hold<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    // Occupies 11:00-13:00 although the visit is 12:00-12:30.
    let buffered = w
        .create(w.visit(customer(0), w.anna, at(12, 0), 30, (60, 30)))
        .await;
    let boris = w
        .create(w.visit(customer(0), w.boris, at(11, 0), 60, (0, 0)))
        .await;
    let early = w
        .create(w.visit(customer(0), w.boris, at(10, 15), 30, (0, 0)))
        .await;
    let gone = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 30, (0, 0)))
        .await;
    w.cancel(&gone).await;
    let later = w
        .create(w.visit(customer(0), w.boris, at(16, 0), 30, (0, 0)))
        .await;

    let window = interval(at(10, 15), at(11, 30));
    let occupancy = w.store.occupancy_overlapping(window).await.unwrap();
    let expected: Vec<Occupancy> = [&early, &boris, &buffered]
        .into_iter()
        .filter_map(Occupancy::of)
        .collect();
    assert_eq!(
        occupancy, expected,
        "active only, by start, buffers included"
    );
    assert_eq!(
        occupancy[2].occupied(),
        interval(at(11, 0), at(13, 0)),
        "the visit with its buffers"
    );
    assert_eq!(occupancy[2].start(), at(12, 0));
    assert_eq!(occupancy[2].staff(), w.anna);
    let whole: Vec<Occupancy> = w
        .store
        .bookings_overlapping(window, None, BookingScope::ActiveOnly)
        .await
        .unwrap()
        .iter()
        .filter_map(Occupancy::of)
        .collect();
    assert_eq!(occupancy, whole, "the bookings bookings_overlapping gives");
    assert!(
        w.store
            .occupancy_overlapping(interval(at(13, 0), at(14, 0)))
            .await
            .unwrap()
            .is_empty(),
        "touching is not overlapping"
    );
    assert_eq!(
        w.store
            .occupancy_overlapping(interval(at(15, 0), at(18, 0)))
            .await
            .unwrap(),
        Occupancy::of(&later).into_iter().collect::<Vec<_>>()
    );
}

/// `occupancy_and_catalog_revision`: what `occupancy_overlapping` gives
/// and, when the store answers one, the revision `catalog_revision` gives:
/// after a change to the catalog too, and with no booking in the period
/// (a store that folds the two reads into one must still answer the
/// revision then).
pub async fn a_calendar_read_is_the_occupancy_and_the_catalog_revision<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    w.create(w.visit(customer(0), w.anna, at(12, 0), 30, (0, 0)))
        .await;
    w.create(w.visit(customer(0), w.boris, at(11, 0), 60, (0, 0)))
        .await;
    let day = interval(at(9, 0), at(18, 0));
    let read = w.store.occupancy_and_catalog_revision(day).await.unwrap();
    assert_eq!(read.occupancy.len(), 2);
    assert_eq!(
        read.occupancy,
        w.store.occupancy_overlapping(day).await.unwrap(),
        "the occupancy occupancy_overlapping gives"
    );
    let Some(before) = read.catalog_revision else {
        return;
    };
    assert_eq!(before, w.store.catalog_revision().await.unwrap());

    w.store.add_staff(staff_spec("Vera")).await.unwrap();
    let evening = interval(at(20, 0), at(21, 0));
    let after = w
        .store
        .occupancy_and_catalog_revision(evening)
        .await
        .unwrap();
    assert!(after.occupancy.is_empty());
    assert_eq!(
        after.catalog_revision,
        Some(w.store.catalog_revision().await.unwrap()),
        "the revision MUST come with an empty period too"
    );
    assert_ne!(
        after.catalog_revision,
        Some(before),
        "the revision MUST be the one after the change"
    );
}

/// `standing_and_calendar`: what `customer_standing` and
/// `occupancy_and_catalog_revision` answer, for a customer with several
/// upcoming bookings, one with only changes that count and one with
/// nothing, beside a busy period and an empty one (a store that folds the
/// reads into one must answer each part whatever the other holds).
pub async fn a_bookings_reads_are_the_standing_and_the_calendar<S: ContractStore>(store: S) {
    let w = world(store, 3).await;
    let now = at(12, 0);
    let since = long_before() + Duration::hours(1);
    let made = since + Duration::minutes(1);
    for start in [at(13, 0), at(15, 0), at(17, 0)] {
        w.create(w.visit_made_at(customer(0), w.anna, start, 60, (0, 0), made))
            .await;
    }
    w.create(w.visit(customer(0), w.boris, at(13, 0), 30, (0, 0)))
        .await;
    let theirs = w
        .create(w.visit_made_at(customer(1), w.boris, at(16, 0), 60, (0, 0), made))
        .await;
    w.cancel_by_at(&theirs, Actor::Customer, since + Duration::hours(1))
        .await;
    w.store.add_staff(staff_spec("Vera")).await.unwrap();

    let busy = interval(at(9, 0), at(18, 0));
    let empty = interval(at(20, 0), at(21, 0));
    for who in [customer(0), customer(1), customer(2)] {
        for period in [busy, empty] {
            let read = w
                .store
                .standing_and_calendar(who, now, since, period)
                .await
                .unwrap();
            assert_eq!(
                read,
                BookingReads {
                    standing: w.store.customer_standing(who, now, since).await.unwrap(),
                    calendar: w
                        .store
                        .occupancy_and_catalog_revision(period)
                        .await
                        .unwrap(),
                },
                "customer {who:?}, period {period:?}"
            );
        }
    }
    let read = w
        .store
        .standing_and_calendar(customer(0), now, since, busy)
        .await
        .unwrap();
    assert_eq!(read.standing.upcoming.len(), 4);
    assert_eq!(read.calendar.occupancy.len(), 4);
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

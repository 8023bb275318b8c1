//! The booking port (`BookingStore`), what the lifecycle sweep reads and
//! writes: pending bookings made by some time, confirmed visits ended by
//! some time, and the notices of an expiry.

use booking_domain::{Booking, BookingStatus, NewBooking, StaffId};
use chrono::{DateTime, Duration};

use super::ContractStore;
use super::world::*;
use crate::ports::outbox::{DeliveryState, NoticeKind, OutboxChange, Recipient};

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __lifecycle_queries_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; lifecycle_queries;
            pending_bookings_made_by_a_time_are_listed_oldest_first,
            confirmed_visits_ended_by_a_time_are_listed_earliest_first,
            a_reminder_to_confirm_is_withdrawn_like_reminders_and_expiry_notices_stay,
        );
    };
}

/// A visit of an hour with `staff` at `start` in `status`, made at `made`.
fn request<S: ContractStore>(
    w: &World<S>,
    staff: StaffId,
    start: DateTime<chrono::Utc>,
    status: BookingStatus,
    made: DateTime<chrono::Utc>,
) -> NewBooking {
    let mut parts = w
        .visit(customer(0), staff, start, 60, (0, 0))
        .into_parts_for_test();
    parts.status = status;
    parts.created_at = made;
    NewBooking::new(parts).unwrap()
}

fn ids(bookings: &[Booking]) -> Vec<i64> {
    bookings.iter().map(|b| b.id().get()).collect()
}

/// `pending_bookings_created_by`: pending only, made at or before the
/// bound, starting after the other bound, oldest first, at most `limit`.
pub async fn pending_bookings_made_by_a_time_are_listed_oldest_first<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let now = at(12, 0);
    let made = |hours_ago: i64| now - Duration::hours(hours_ago);
    let pending = BookingStatus::Pending;
    let newest = w
        .create(request(&w, w.anna, at(15, 0), pending.clone(), made(25)))
        .await;
    let oldest = w
        .create(request(&w, w.boris, at(16, 0), pending.clone(), made(30)))
        .await;
    let on_the_bound = w
        .create(request(&w, w.anna, at(17, 0), pending.clone(), made(24)))
        .await;
    // Too recent; already started; confirmed; cancelled.
    w.create(request(&w, w.boris, at(13, 0), pending.clone(), made(23)))
        .await;
    w.create(request(&w, w.anna, at(11, 0), pending.clone(), made(40)))
        .await;
    w.create(request(
        &w,
        w.anna,
        at(14, 0),
        BookingStatus::Confirmed,
        made(40),
    ))
    .await;
    let gone = w
        .create(request(&w, w.boris, at(18, 0), pending.clone(), made(40)))
        .await;
    w.cancel(&gone).await;

    let due = w
        .store
        .pending_bookings_created_by(made(24), now, 10)
        .await
        .unwrap();
    assert_eq!(
        ids(&due),
        ids(&[oldest.clone(), newest.clone(), on_the_bound]),
        "pending, made at or before the bound, starting after now, oldest first"
    );
    assert_eq!(due[0], oldest, "read back whole");
    let first = w
        .store
        .pending_bookings_created_by(made(24), now, 2)
        .await
        .unwrap();
    assert_eq!(ids(&first), ids(&[oldest, newest]), "at most the limit");
}

/// `confirmed_bookings_ended_by`: confirmed only, ended at or before the
/// bound, earliest end first, at most `limit`.
pub async fn confirmed_visits_ended_by_a_time_are_listed_earliest_first<S: ContractStore>(
    store: S,
) {
    let w = world(store, 1).await;
    let made = long_before();
    let confirmed = BookingStatus::Confirmed;
    // Visits of an hour: they end at 10:00, 11:00, 12:00 and 13:00.
    let ends_at_eleven = w
        .create(request(&w, w.anna, at(10, 0), confirmed.clone(), made))
        .await;
    let ends_at_ten = w
        .create(request(&w, w.boris, at(9, 0), confirmed.clone(), made))
        .await;
    let on_the_bound = w
        .create(request(&w, w.boris, at(11, 0), confirmed.clone(), made))
        .await;
    w.create(request(&w, w.anna, at(12, 0), confirmed.clone(), made))
        .await;
    // Ended, but pending, and a no-show.
    w.create(request(&w, w.anna, at(8, 0), BookingStatus::Pending, made))
        .await;
    let absent = w
        .create(request(&w, w.anna, at(6, 0), confirmed.clone(), made))
        .await;
    let no_show = absent.mark_no_show(front_desk(), at(7, 0)).unwrap();
    w.store
        .update_booking(absent.version(), no_show, OutboxChange::none())
        .await
        .unwrap();

    let due = w
        .store
        .confirmed_bookings_ended_by(at(12, 0), 10)
        .await
        .unwrap();
    assert_eq!(
        ids(&due),
        ids(&[ends_at_ten.clone(), ends_at_eleven.clone(), on_the_bound]),
        "confirmed, ended at or before the bound, earliest end first"
    );
    assert_eq!(due[0], ends_at_ten, "read back whole");
    let first = w
        .store
        .confirmed_bookings_ended_by(at(12, 0), 1)
        .await
        .unwrap();
    assert_eq!(ids(&first), ids(&[ends_at_ten]), "at most the limit");
}

/// The lifecycle's notice kinds are stored and read back; a reminder to
/// confirm is a reminder (withdrawn with the others when asked), an expiry
/// notice is not.
pub async fn a_reminder_to_confirm_is_withdrawn_like_reminders_and_expiry_notices_stay<
    S: ContractStore,
>(
    store: S,
) {
    let w = world(store, 1).await;
    let before = minutes(120);
    let booking = w
        .store
        .create_booking(
            request(&w, w.anna, at(15, 0), BookingStatus::Pending, at(8, 0)),
            no_limit(),
            vec![staff_notice(
                w.anna,
                NoticeKind::ConfirmationReminder { before },
                at(10, 0),
            )],
        )
        .await
        .unwrap();
    let expired = booking.expire(at(12, 0)).unwrap();
    w.store
        .update_booking(
            booking.version(),
            expired,
            OutboxChange {
                add: vec![
                    staff_notice(w.anna, NoticeKind::Expired, at(12, 0)),
                    crate::ports::outbox::NewNotice {
                        recipient: Recipient::Customer(customer(0)),
                        kind: NoticeKind::Expired,
                        due_at: at(12, 0),
                    },
                ],
                withdraw_pending_reminders: true,
            },
        )
        .await
        .unwrap();

    let stored: Vec<_> = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.kind, n.recipient, n.due_at, n.state))
        .collect();
    assert_eq!(
        stored,
        vec![
            (
                NoticeKind::ConfirmationReminder { before },
                Recipient::Staff(w.anna),
                at(10, 0),
                DeliveryState::Withdrawn
            ),
            (
                NoticeKind::Expired,
                Recipient::Staff(w.anna),
                at(12, 0),
                DeliveryState::Pending
            ),
            (
                NoticeKind::Expired,
                Recipient::Customer(customer(0)),
                at(12, 0),
                DeliveryState::Pending
            ),
        ]
    );
}

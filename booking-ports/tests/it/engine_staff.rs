//! State-based tests of the staff use cases on the in-memory store.

use booking_domain::{
    BookingStatus, CancelReason, CancelledBy, DateOverride, Interval, InvalidService,
    LocalTimeRange, Minutes, OverrideHours, ServiceId, StaffChoice, StaffId, TimeOffSpec,
    TransitionError,
};
use booking_ports::engine::{
    BlockPeriodError, BookingChangeError, FindBookingError, OverrideEditError, Period,
    ServiceEditError,
};
use booking_ports::{BookingStore, DeliveryState, NoticeKind, Recipient, StaffActor, StaffUser};
use chrono::Duration;
use futures::StreamExt;

use crate::common::{customer, day, form, haircut_spec, moscow, salon};

#[tokio::test]
async fn the_day_view_lists_every_booking_of_the_day_with_its_customer() {
    let s = salon(false).await;
    let late = s.book_haircut(customer(1), moscow(1, 15, 0)).await;
    let early = s.book_haircut(customer(2), moscow(1, 10, 0)).await;
    let boris = s
        .engine
        .book(
            customer(3),
            form(s.haircut, StaffChoice::Only(s.boris), moscow(1, 12, 0)),
        )
        .await
        .unwrap()
        .booking;
    let gone = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    s.engine
        .cancel_booking(&s.staff, gone.id(), gone.version(), None)
        .await
        .unwrap();
    s.book_haircut(customer(2), moscow(2, 10, 0)).await;

    let all = s
        .engine
        .bookings_in(&s.staff, Period::day(day(1)), None)
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|d| d.booking.id()).collect();
    assert_eq!(ids, vec![early.id(), boris.id(), gone.id(), late.id()]);
    assert_eq!(
        all[0]
            .booking
            .booked_for()
            .and_then(|who| who.phone.as_ref())
            .map(|p| p.expose()),
        Some("+79161234567"),
        "staff see the phone it was booked with"
    );
    assert_eq!(all[0].staff.as_ref().unwrap().name().as_str(), "Anna");

    let anna_only = s
        .engine
        .bookings_in(&s.staff, Period::day(day(1)), Some(s.anna))
        .await
        .unwrap();
    assert_eq!(anna_only.len(), 3);
    let week = Period::new(day(0), day(6)).unwrap();
    assert_eq!(
        s.engine
            .bookings_in(&s.staff, week, None)
            .await
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn staff_confirm_tells_the_customer_and_plans_reminders() {
    let s = salon(true).await;
    let pending = s
        .engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(2, 11, 0)),
        )
        .await
        .unwrap()
        .booking;

    let confirmed = s
        .engine
        .confirm_booking(&s.staff, pending.id(), pending.version())
        .await
        .unwrap();

    assert_eq!(confirmed.booking.status(), &BookingStatus::Confirmed);
    assert_eq!(confirmed.customer.unwrap().id, customer(1));
    let kinds: Vec<_> = s
        .notices(pending.id())
        .await
        .into_iter()
        .filter(|n| n.recipient == Recipient::Customer(customer(1)))
        .map(|n| n.kind)
        .collect();
    assert_eq!(kinds.len(), 3);
    assert_eq!(kinds[0], NoticeKind::Confirmed);
    assert!(kinds[1..].iter().all(NoticeKind::is_reminder));

    let twice = s
        .engine
        .confirm_booking(&s.staff, pending.id(), confirmed.booking.version())
        .await;
    assert!(matches!(
        twice,
        Err(BookingChangeError::Refused(
            TransitionError::NotAllowed { .. }
        ))
    ));
}

#[tokio::test]
async fn staff_cancel_with_a_reason_tells_the_customer_and_withdraws_reminders() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(0, 11, 0)).await;
    s.advance(Duration::hours(2)); // Past the customers' cutoff: staff may still cancel.

    let reason = CancelReason::new("Anna is ill").unwrap();
    let cancelled = s
        .engine
        .cancel_booking(
            &s.staff,
            booking.id(),
            booking.version(),
            Some(reason.clone()),
        )
        .await
        .unwrap()
        .booking;

    match cancelled.status() {
        BookingStatus::Cancelled(c) => {
            assert_eq!(c.by, CancelledBy::Staff(s.anna));
            assert_eq!(c.reason.as_ref(), Some(&reason));
            assert_eq!(c.at, moscow(0, 10, 0));
        }
        other => panic!("expected cancelled, got {other:?}"),
    }
    let notices = s.notices(booking.id()).await;
    assert!(notices.iter().any(
        |n| n.kind == NoticeKind::Cancelled && n.recipient == Recipient::Customer(customer(1))
    ));
    assert!(
        notices
            .iter()
            .filter(|n| n.kind.is_reminder())
            .all(|n| n.state == DeliveryState::Withdrawn)
    );
}

#[tokio::test]
async fn visits_are_completed_or_no_shows_only_once_started() {
    let s = salon(false).await;
    let first = s.book_haircut(customer(1), moscow(0, 10, 0)).await;
    let second = s.book_haircut(customer(2), moscow(0, 12, 0)).await;

    let early = s
        .engine
        .complete_booking(&s.staff, first.id(), first.version())
        .await;
    assert!(matches!(
        early,
        Err(BookingChangeError::Refused(
            TransitionError::NotStartedYet { .. }
        ))
    ));

    s.clock.set(moscow(0, 13, 0));
    let done = s
        .engine
        .complete_booking(&s.staff, first.id(), first.version())
        .await
        .unwrap();
    let absent = s
        .engine
        .mark_no_show(&s.staff, second.id(), second.version())
        .await
        .unwrap();
    assert_eq!(done.booking.status(), &BookingStatus::Completed);
    assert_eq!(absent.booking.status(), &BookingStatus::NoShow);
}

#[tokio::test]
async fn staff_reschedule_keeps_the_status_and_tells_the_customer() {
    let s = salon(false).await;
    let old = s.book_haircut(customer(1), moscow(0, 11, 0)).await;
    s.advance(Duration::hours(2)); // Past the customers' reschedule cutoff.

    let moved = s
        .engine
        .reschedule_booking(
            &s.staff,
            old.id(),
            old.version(),
            StaffChoice::Any,
            moscow(1, 10, 0),
        )
        .await
        .unwrap();

    let new = &moved.new.booking;
    assert_eq!(new.status(), &BookingStatus::Confirmed);
    assert_eq!(new.start(), moscow(1, 10, 0));
    assert!(
        moved.new.customer.is_some(),
        "staff views carry the profile"
    );
    let told: Vec<_> = s
        .notices(new.id())
        .await
        .into_iter()
        .filter(|n| n.kind == NoticeKind::Rescheduled)
        .map(|n| n.recipient)
        .collect();
    assert_eq!(told, vec![Recipient::Customer(customer(1))]);
}

#[tokio::test]
async fn staff_see_any_booking_but_unknown_ids_are_not_found() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(1, 10, 0)).await;
    assert_eq!(
        s.engine
            .booking_details(&s.staff, booking.id())
            .await
            .unwrap()
            .booking,
        booking
    );
    assert!(matches!(
        s.engine
            .booking_details(&s.staff, booking_domain::BookingId::new(777).unwrap())
            .await,
        Err(FindBookingError::NotFound)
    ));
}

#[tokio::test]
async fn blocking_a_period_reports_colliding_bookings_and_keeps_them() {
    let s = salon(false).await;
    let inside = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    let outside = s.book_haircut(customer(2), moscow(1, 16, 0)).await;
    let boris = s
        .engine
        .book(
            customer(3),
            form(s.haircut, StaffChoice::Only(s.boris), moscow(1, 12, 0)),
        )
        .await
        .unwrap()
        .booking;

    let blocked = s
        .engine
        .block_period(
            &s.staff,
            TimeOffSpec {
                staff: Some(s.anna),
                period: Interval::new(moscow(1, 11, 0), moscow(1, 14, 0)).unwrap(),
                reason: None,
            },
        )
        .await
        .unwrap();

    let colliding: Vec<_> = blocked.colliding.iter().map(|d| d.booking.id()).collect();
    assert_eq!(colliding, vec![inside.id()]);
    assert!(
        s.store
            .booking(inside.id())
            .await
            .unwrap()
            .unwrap()
            .is_active(),
        "never dropped silently"
    );
    let free = s
        .engine
        .free_times(s.haircut, StaffChoice::Only(s.anna), day(1))
        .await
        .unwrap();
    assert!(
        free.iter().all(
            |f| f.start + Duration::hours(1) <= moscow(1, 11, 0) || f.start >= moscow(1, 14, 0)
        ),
        "nothing is offered inside the blocked period"
    );
    assert!(free.iter().any(|f| f.start == moscow(1, 14, 0)));

    let everyone = s
        .engine
        .block_period(
            &s.staff,
            TimeOffSpec {
                staff: None,
                period: Interval::new(moscow(1, 0, 0), moscow(2, 0, 0)).unwrap(),
                reason: Some(CancelReason::new("Holiday").unwrap()),
            },
        )
        .await
        .unwrap();
    let all: Vec<_> = everyone.colliding.iter().map(|d| d.booking.id()).collect();
    assert_eq!(all, vec![inside.id(), boris.id(), outside.id()]);

    s.engine
        .unblock_period(&s.staff, everyone.time_off.id())
        .await
        .unwrap();
    let listed = s
        .engine
        .blocked_periods(&s.staff, Period::day(day(1)))
        .await
        .unwrap();
    assert_eq!(listed, vec![blocked.time_off]);

    let unknown = s
        .engine
        .block_period(
            &s.staff,
            TimeOffSpec {
                staff: Some(StaffId::new(42).unwrap()),
                period: Interval::new(moscow(1, 0, 0), moscow(2, 0, 0)).unwrap(),
                reason: None,
            },
        )
        .await;
    assert!(matches!(
        unknown,
        Err(BlockPeriodError::UnknownStaff { .. })
    ));
}

#[tokio::test]
async fn date_overrides_and_new_hours_report_bookings_that_no_longer_fit() {
    let s = salon(false).await;
    let morning = s.book_haircut(customer(1), moscow(1, 10, 0)).await;
    let afternoon = s.book_haircut(customer(2), moscow(1, 15, 0)).await;

    let short_day = DateOverride::new(
        day(1),
        Some(s.anna),
        OverrideHours::Open(vec![LocalTimeRange::parse("09:00-13:00").unwrap()]),
    )
    .unwrap();
    let change = s
        .engine
        .set_date_override(&s.staff, short_day.clone())
        .await
        .unwrap();
    let colliding: Vec<_> = change.colliding.iter().map(|d| d.booking.id()).collect();
    assert_eq!(colliding, vec![afternoon.id()]);
    assert_eq!(
        s.engine
            .date_overrides(&s.staff, Period::day(day(1)))
            .await
            .unwrap(),
        vec![short_day]
    );
    s.engine
        .remove_date_override(&s.staff, day(1), Some(s.anna))
        .await
        .unwrap();
    assert!(matches!(
        s.engine
            .remove_date_override(&s.staff, day(1), Some(s.anna))
            .await,
        Err(OverrideEditError::NotFound)
    ));

    let mut leaving = crate::common::anna_spec();
    leaving.active = false;
    let change = s
        .engine
        .update_staff(&s.staff, s.anna, leaving)
        .await
        .unwrap();
    let colliding: Vec<_> = change.colliding.iter().map(|d| d.booking.id()).collect();
    assert_eq!(colliding, vec![morning.id(), afternoon.id()]);
}

#[tokio::test]
async fn service_edits_are_validated() {
    let s = salon(false).await;
    let mut zero = haircut_spec(vec![s.anna]);
    zero.duration = Minutes::ZERO;
    assert!(matches!(
        s.engine.add_service(&s.staff, zero).await,
        Err(ServiceEditError::Invalid(InvalidService::ZeroDuration))
    ));
    assert!(matches!(
        s.engine
            .add_service(&s.staff, haircut_spec(vec![StaffId::new(42).unwrap()]))
            .await,
        Err(ServiceEditError::UnknownStaff { .. })
    ));
    assert!(matches!(
        s.engine
            .update_service(&s.staff, ServiceId::new(42).unwrap(), haircut_spec(vec![]))
            .await,
        Err(ServiceEditError::NotFound)
    ));
    let added = s
        .engine
        .add_service(&s.staff, haircut_spec(vec![s.boris]))
        .await
        .unwrap();
    assert_eq!(s.engine.all_services(&s.staff).await.unwrap().len(), 3);
    let mut retired = haircut_spec(vec![s.boris]);
    retired.active = false;
    s.engine
        .update_service(&s.staff, added.id(), retired)
        .await
        .unwrap();
    assert_eq!(
        s.engine.services().await.unwrap().len(),
        2,
        "inactive services are not offered"
    );
    let carla = s
        .engine
        .add_staff(&s.staff, crate::common::boris_spec())
        .await
        .unwrap();
    assert_eq!(s.engine.all_staff(&s.staff).await.unwrap().len(), 3);
    assert!(carla.id() > s.boris);
}

#[tokio::test]
async fn statistics_summarise_a_period() {
    let s = salon(false).await;
    // A returning customer: a visit last month.
    s.clock.set(moscow(0, 8, 0) - Duration::days(20));
    s.book_haircut(customer(1), moscow(0, 10, 0) - Duration::days(20))
        .await;
    s.clock.set(moscow(0, 8, 0));

    let done = s.book_haircut(customer(1), moscow(0, 10, 0)).await;
    let absent = s.book_haircut(customer(2), moscow(0, 12, 0)).await;
    let cancelled = s.book_haircut(customer(3), moscow(0, 14, 0)).await;
    let moved = s
        .engine
        .book(
            customer(4),
            form(s.colour, StaffChoice::Only(s.anna), moscow(1, 10, 0)),
        )
        .await
        .unwrap()
        .booking;
    s.engine
        .cancel_booking(&s.staff, cancelled.id(), cancelled.version(), None)
        .await
        .unwrap();
    s.engine
        .reschedule_booking(
            &s.staff,
            moved.id(),
            moved.version(),
            StaffChoice::Any,
            moscow(2, 10, 0),
        )
        .await
        .unwrap();
    s.clock.set(moscow(0, 15, 0));
    s.engine
        .complete_booking(&s.staff, done.id(), done.version())
        .await
        .unwrap();
    s.engine
        .mark_no_show(&s.staff, absent.id(), absent.version())
        .await
        .unwrap();

    let week = Period::new(day(0), day(6)).unwrap();
    let stats = s.engine.statistics(&s.staff, week).await.unwrap();

    assert_eq!(stats.total, 5);
    assert_eq!(stats.by_status.completed, 1);
    assert_eq!(stats.by_status.no_show, 1);
    assert_eq!(stats.by_status.cancelled, 1);
    assert_eq!(stats.by_status.rescheduled, 1);
    assert_eq!(stats.by_status.confirmed, 1);
    // The completed haircut earned; the confirmed colour is still to come.
    assert_eq!(stats.revenue, vec![crate::common::eur(3000)]);
    assert_eq!(stats.expected_revenue, vec![crate::common::eur(8000)]);
    assert_eq!((stats.new_customers, stats.returning_customers), (3, 1));
    assert_eq!(stats.top_services[0].service, s.haircut);
    assert_eq!(stats.top_services[0].bookings, 2);
    assert_eq!(stats.top_services[1].bookings, 1);
    assert_eq!(
        (
            stats.cancellation_rate.count,
            stats.cancellation_rate.out_of
        ),
        (1, 4)
    );
    assert_eq!(stats.cancellation_rate.percent(), Some(25.0));
    assert_eq!(
        (stats.no_show_rate.count, stats.no_show_rate.out_of),
        (1, 2)
    );

    let empty = s
        .engine
        .statistics(&s.staff, Period::day(day(10)))
        .await
        .unwrap();
    assert_eq!(empty.total, 0);
    assert_eq!(empty.no_show_rate.percent(), None);
}

#[tokio::test]
async fn export_streams_the_period_with_names_and_customers() {
    let s = salon(false).await;
    let mut expected = Vec::new();
    for (n, hour) in [(1, 15), (2, 10), (3, 12)] {
        expected.push((
            moscow(1, hour, 0),
            s.book_haircut(customer(n), moscow(1, hour, 0)).await.id(),
        ));
    }
    s.book_haircut(customer(4), moscow(2, 10, 0)).await;
    expected.sort();

    let rows: Vec<_> = s
        .engine
        .export(&s.staff, Period::day(day(1)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;

    let ids: Vec<_> = rows.iter().map(|r| r.booking.id()).collect();
    assert_eq!(
        ids,
        expected.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
    );
    assert!(
        rows.iter()
            .all(|r| r.customer.is_some() && r.service.is_some() && r.staff.is_some())
    );
}

#[tokio::test]
async fn the_policy_can_be_swapped_at_run_time() {
    let s = salon(false).await;
    let before = s.book_haircut(customer(1), moscow(1, 10, 0)).await;
    s.engine.set_policy(crate::common::policy(true));
    let after = s.book_haircut(customer(2), moscow(1, 12, 0)).await;
    assert_eq!(before.status(), &BookingStatus::Confirmed);
    assert_eq!(after.status(), &BookingStatus::Pending);
}

#[tokio::test]
async fn the_catalog_is_imported_only_into_an_empty_store() {
    let s = salon(false).await;
    let again = s
        .engine
        .import_catalog_if_empty(booking_ports::CatalogSnapshot::default())
        .await
        .unwrap();
    assert!(!again);
    assert_eq!(s.engine.all_staff(&s.staff).await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_owner_cancelling_a_booking_tells_its_staff_member_too() {
    let s = salon(false).await;
    let owner = StaffActor::authenticated(StaffUser::new(1), None, booking_ports::StaffRole::Owner);
    let by_owner = s.book_haircut(customer(1), moscow(0, 11, 0)).await;
    let by_anna = s.book_haircut(customer(2), moscow(0, 14, 0)).await;

    s.engine
        .cancel_booking(&owner, by_owner.id(), by_owner.version(), None)
        .await
        .unwrap();
    s.engine
        .cancel_booking(&s.staff, by_anna.id(), by_anna.version(), None)
        .await
        .unwrap();

    let told = |notices: Vec<booking_ports::Notification>| -> Vec<Recipient> {
        notices
            .into_iter()
            .filter(|n| n.kind == NoticeKind::Cancelled)
            .map(|n| n.recipient)
            .collect()
    };
    assert_eq!(
        told(s.notices(by_owner.id()).await),
        vec![Recipient::Customer(customer(1)), Recipient::Staff(s.anna)]
    );
    assert_eq!(
        told(s.notices(by_anna.id()).await),
        vec![Recipient::Customer(customer(2))],
        "Anna cancelled it herself"
    );
}

#[tokio::test]
async fn a_staff_member_moving_a_visit_to_a_colleague_tells_the_colleague() {
    let s = salon(false).await;
    let old = s.book_haircut(customer(1), moscow(1, 11, 0)).await;

    let moved = s
        .engine
        .reschedule_booking(
            &s.staff,
            old.id(),
            old.version(),
            StaffChoice::Only(s.boris),
            moscow(1, 12, 0),
        )
        .await
        .unwrap();

    let told: Vec<_> = s
        .notices(moved.new.booking.id())
        .await
        .into_iter()
        .filter(|n| n.kind == NoticeKind::Rescheduled)
        .map(|n| n.recipient)
        .collect();
    assert_eq!(
        told,
        vec![Recipient::Customer(customer(1)), Recipient::Staff(s.boris)],
        "Anna moved it herself; Boris and the customer learn of it"
    );
}

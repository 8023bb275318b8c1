//! State-based tests of the customer use cases on the in-memory store.

use booking_domain::{
    BookingId, BookingStatus, CancelledBy, InvalidComment, InvalidName, InvalidPhone, SlotRefusal,
    StaffChoice, TransitionError, Version,
};
use booking_ports::engine::{
    AvailabilityError, BookError, BookingChangeError, FindBookingError, RescheduleBookingError,
};
use booking_ports::{
    BookingStore, CustomerStore, DeliveryState, EngineSettings, Language, NoticeKind, Recipient,
};
use chrono::Duration;

use crate::common::{customer, day, form, minutes, moscow, salon, salon_with};

#[tokio::test]
async fn services_lists_what_can_be_booked_with_its_performers() {
    let s = salon(false).await;
    let offers = s.engine.services().await.unwrap();
    assert_eq!(offers.len(), 2);
    assert_eq!(offers[0].service.id(), s.haircut);
    let performers: Vec<_> = offers[0].performers.iter().map(|m| m.id()).collect();
    assert_eq!(performers, vec![s.anna, s.boris]);

    // Colour is done by Anna alone; once she leaves it is not offered.
    let mut spec = crate::common::anna_spec();
    spec.active = false;
    s.engine.update_staff(&s.staff, s.anna, spec).await.unwrap();
    let offers = s.engine.services().await.unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].performers.len(), 1);
}

#[tokio::test]
async fn free_times_follow_hours_notice_and_bookings() {
    let s = salon(false).await;
    let starts =
        |free: &[booking_domain::FreeStart]| free.iter().map(|f| f.start).collect::<Vec<_>>();

    let monday = s
        .engine
        .free_times(s.haircut, StaffChoice::Only(s.anna), day(0))
        .await
        .unwrap();
    // 09:00 (60 min notice from 08:00) to 17:00 (the visit ends at 18:00).
    assert_eq!(monday.len(), 17);
    assert_eq!(monday[0].start, moscow(0, 9, 0));
    assert_eq!(monday.last().unwrap().start, moscow(0, 17, 0));

    s.book_haircut(customer(1), moscow(0, 11, 0)).await;
    let after = s
        .engine
        .free_times(s.haircut, StaffChoice::Only(s.anna), day(0))
        .await
        .unwrap();
    // 10:00 and 10:30 would run (with their own 15 minute buffer) into the
    // booking; 11:30 and 12:00 into the booking's buffer.
    let gone: Vec<_> = starts(&monday)
        .into_iter()
        .filter(|t| !starts(&after).contains(t))
        .collect();
    assert_eq!(
        gone,
        vec![
            moscow(0, 10, 0),
            moscow(0, 10, 30),
            moscow(0, 11, 0),
            moscow(0, 11, 30),
            moscow(0, 12, 0)
        ]
    );

    let tuesday_any = s
        .engine
        .free_times(s.haircut, StaffChoice::Any, day(1))
        .await
        .unwrap();
    let nine = tuesday_any
        .iter()
        .find(|f| f.start == moscow(1, 9, 0))
        .unwrap();
    assert_eq!(nine.staff, vec![s.anna], "Boris starts at 10:00");
    let ten = tuesday_any
        .iter()
        .find(|f| f.start == moscow(1, 10, 0))
        .unwrap();
    assert_eq!(ten.staff, vec![s.anna, s.boris]);

    assert!(matches!(
        s.engine
            .free_times(
                booking_domain::ServiceId::new(99).unwrap(),
                StaffChoice::Any,
                day(0)
            )
            .await,
        Err(AvailabilityError::UnknownService)
    ));
}

#[tokio::test]
async fn days_with_free_times_skip_days_off_and_stop_at_the_horizon() {
    let s = salon(false).await;
    let days = s
        .engine
        .days_with_free_times(
            s.colour,
            StaffChoice::Only(s.anna),
            day(0) - Duration::days(3),
            day(30),
        )
        .await
        .unwrap();
    // Anna works Monday to Friday; the horizon is 14 days from today.
    let expected: Vec<_> = (0..=14)
        .map(day)
        .filter(|d| {
            !matches!(
                chrono::Datelike::weekday(d),
                chrono::Weekday::Sat | chrono::Weekday::Sun
            )
        })
        .collect();
    assert_eq!(days, expected);
}

#[tokio::test]
async fn the_first_days_with_free_times_are_the_start_of_the_full_list() {
    use booking_domain::{DateOverride, OverrideHours};
    use booking_ports::CatalogStore;
    let s = salon(false).await;
    // Closed from Tuesday to the next Wednesday: few free days, so the
    // first ones lie in more than one stretch of the calendar.
    for d in 1..=9 {
        let closed = DateOverride::new(day(d), None, OverrideHours::Closed).unwrap();
        s.store.set_date_override(closed).await.unwrap();
    }
    let anna = StaffChoice::Only(s.anna);
    let all = s
        .engine
        .days_with_free_times(s.colour, anna, day(0), day(30))
        .await
        .unwrap();
    assert_eq!(all, vec![day(0), day(10), day(11), day(14)]);

    for count in 0..=all.len() + 1 {
        let first = s
            .engine
            .first_days_with_free_times(s.colour, anna, day(0), day(30), count)
            .await
            .unwrap();
        assert_eq!(first, all[..count.min(all.len())], "{count} days");
    }
    assert!(matches!(
        s.engine
            .first_days_with_free_times(
                booking_domain::ServiceId::new(99).unwrap(),
                anna,
                day(0),
                day(30),
                3
            )
            .await,
        Err(AvailabilityError::UnknownService)
    ));
}

#[tokio::test]
async fn booking_validates_name_phone_and_comment() {
    let s = salon(false).await;
    let start = moscow(1, 10, 0);
    let base = form(s.haircut, StaffChoice::Only(s.anna), start);

    let bad_name = s
        .engine
        .book(
            customer(1),
            booking_ports::engine::BookingForm {
                name: " x ".into(),
                ..base.clone()
            },
        )
        .await;
    assert!(matches!(
        bad_name,
        Err(BookError::InvalidName(InvalidName::TooShort { .. }))
    ));
    let bad_phone = s
        .engine
        .book(
            customer(1),
            booking_ports::engine::BookingForm {
                phone: "call me".into(),
                ..base.clone()
            },
        )
        .await;
    assert!(matches!(
        bad_phone,
        Err(BookError::InvalidPhone(InvalidPhone::UnexpectedCharacter))
    ));
    let bad_comment = s
        .engine
        .book(
            customer(1),
            booking_ports::engine::BookingForm {
                comment: Some("x".repeat(501)),
                ..base.clone()
            },
        )
        .await;
    assert!(matches!(
        bad_comment,
        Err(BookError::InvalidComment(InvalidComment::TooLong { .. }))
    ));
    assert!(
        s.engine.profile(customer(1)).await.unwrap().is_none(),
        "nothing is stored for a refused form"
    );

    let blank_comment = s
        .engine
        .book(
            customer(1),
            booking_ports::engine::BookingForm {
                comment: Some("  ".into()),
                ..base
            },
        )
        .await
        .unwrap();
    assert_eq!(blank_comment.booking.comment(), None);
}

#[tokio::test]
async fn booking_that_needs_confirmation_is_pending_and_tells_staff_once() {
    let s = salon(true).await;
    let details = s
        .engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Any, moscow(1, 10, 0)),
        )
        .await
        .unwrap();

    assert_eq!(details.booking.status(), &BookingStatus::Pending);
    assert_eq!(
        details.booking.staff(),
        s.anna,
        "Any picks the first free staff member"
    );
    assert_eq!(details.service.unwrap().id(), s.haircut);
    assert_eq!(details.staff.unwrap().id(), s.anna);
    let notices = s.notices(details.booking.id()).await;
    assert_eq!(
        notices.len(),
        1,
        "no reminders before staff confirm: {notices:?}"
    );
    assert_eq!(notices[0].recipient, Recipient::Staff(s.anna));
    assert_eq!(
        notices[0].kind,
        NoticeKind::NewBooking {
            awaiting_confirmation: true
        }
    );
    assert_eq!(notices[0].due_at, moscow(0, 8, 0));
}

#[tokio::test]
async fn confirmed_booking_plans_reminders_and_skips_those_already_past() {
    let s = salon(false).await;
    let tomorrow = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    let reminders: Vec<_> = s
        .notices(tomorrow.id())
        .await
        .into_iter()
        .filter(|n| n.kind.is_reminder())
        .map(|n| (n.kind, n.due_at))
        .collect();
    assert_eq!(
        reminders,
        vec![
            (
                NoticeKind::CustomerReminder {
                    before: minutes(1440)
                },
                moscow(0, 12, 0)
            ),
            (
                NoticeKind::CustomerReminder {
                    before: minutes(120)
                },
                moscow(1, 10, 0)
            ),
        ]
    );

    // 90 minutes ahead: both offsets already passed.
    let soon = s.book_haircut(customer(2), moscow(0, 9, 30)).await;
    let kinds: Vec<_> = s
        .notices(soon.id())
        .await
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![NoticeKind::NewBooking {
            awaiting_confirmation: false
        }]
    );
}

#[tokio::test]
async fn reminder_offsets_and_the_staff_reminder_are_settings() {
    let settings = EngineSettings::new(vec![minutes(180)], Some(minutes(30))).unwrap();
    let s = salon_with(false, settings).await;
    let booking = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    let reminders: Vec<_> = s
        .notices(booking.id())
        .await
        .into_iter()
        .filter(|n| n.kind.is_reminder())
        .map(|n| (n.recipient, n.due_at))
        .collect();
    assert_eq!(
        reminders,
        vec![
            (Recipient::Customer(customer(1)), moscow(1, 9, 0)),
            (Recipient::Staff(s.anna), moscow(1, 11, 30)),
        ]
    );
}

/// A config reload swaps the policy and the reminder offsets: the next
/// availability question and the next booking follow the new ones.
#[tokio::test]
async fn a_swapped_policy_and_settings_apply_to_the_next_question_and_booking() {
    let s = salon(false).await;
    let anna = StaffChoice::Only(s.anna);
    let before = s.engine.free_times(s.haircut, anna, day(0)).await.unwrap();
    assert_eq!(before[0].start, moscow(0, 9, 0), "60 minutes from 08:00");

    let mut longer_notice = crate::common::policy(false).settings().clone();
    longer_notice.min_notice = minutes(180);
    s.engine
        .set_policy(booking_domain::Policy::new(longer_notice).unwrap());
    s.engine
        .set_settings(EngineSettings::new(vec![minutes(60)], None).unwrap());

    let after = s.engine.free_times(s.haircut, anna, day(0)).await.unwrap();
    assert_eq!(after[0].start, moscow(0, 11, 0), "180 minutes from 08:00");
    let too_soon = s
        .engine
        .book(customer(1), form(s.haircut, anna, moscow(0, 10, 0)))
        .await;
    assert!(matches!(
        too_soon,
        Err(BookError::Slot(SlotRefusal::TooSoon { .. }))
    ));
    let booked = s.book_haircut(customer(1), moscow(0, 12, 0)).await;
    let reminders: Vec<_> = s
        .notices(booked.id())
        .await
        .into_iter()
        .filter(|n| n.kind.is_reminder())
        .map(|n| n.due_at)
        .collect();
    assert_eq!(reminders, [moscow(0, 11, 0)]);
}

#[tokio::test]
async fn booking_a_taken_or_impossible_time_says_why() {
    let s = salon(false).await;
    s.book_haircut(customer(1), moscow(1, 10, 0)).await;

    let taken = s
        .engine
        .book(
            customer(2),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 10, 30)),
        )
        .await;
    assert!(matches!(taken, Err(BookError::SlotTaken { start }) if start == moscow(1, 10, 30)));
    let too_soon = s
        .engine
        .book(
            customer(2),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(0, 8, 30)),
        )
        .await;
    assert!(matches!(
        too_soon,
        Err(BookError::Slot(SlotRefusal::TooSoon { .. }))
    ));
    let wrong_staff = s
        .engine
        .book(
            customer(2),
            form(s.colour, StaffChoice::Only(s.boris), moscow(1, 10, 0)),
        )
        .await;
    assert!(matches!(
        wrong_staff,
        Err(BookError::Slot(SlotRefusal::StaffCannotPerform))
    ));
    let far = s
        .engine
        .book(
            customer(2),
            form(s.haircut, StaffChoice::Any, moscow(20, 10, 0)),
        )
        .await;
    assert!(matches!(
        far,
        Err(BookError::Slot(SlotRefusal::BeyondHorizon { .. }))
    ));
    let unknown = s
        .engine
        .book(
            customer(2),
            form(
                booking_domain::ServiceId::new(99).unwrap(),
                StaffChoice::Any,
                moscow(1, 10, 0),
            ),
        )
        .await;
    assert!(matches!(unknown, Err(BookError::UnknownService)));
}

#[tokio::test]
async fn booking_respects_the_active_booking_limit() {
    let s = salon(false).await;
    for hour in [10, 12, 14] {
        s.book_haircut(customer(1), moscow(1, hour, 0)).await;
    }
    let fourth = s
        .engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(2, 10, 0)),
        )
        .await;
    assert!(matches!(
        fourth,
        Err(BookError::TooManyActiveBookings { limit: 3 })
    ));
}

#[tokio::test]
async fn the_first_booking_makes_the_record_and_later_ones_leave_it_as_it_is() {
    let s = salon(false).await;
    let mut first = form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 10, 0));
    first.language = Some(Language::new("ru").unwrap());
    s.engine.book(customer(1), first).await.unwrap();
    s.advance(Duration::hours(1));
    let mut second = form(s.haircut, StaffChoice::Only(s.anna), moscow(2, 10, 0));
    second.name = "Maria".to_owned();
    let booked = s.engine.book(customer(1), second).await.unwrap();

    let profile = s.engine.profile(customer(1)).await.unwrap().unwrap();
    assert_eq!(profile.name.expose(), "Мария Иванова", "not overwritten");
    assert_eq!(
        profile.phone.as_ref().map(|p| p.expose().to_owned()),
        Some("+79161234567".to_owned())
    );
    assert_eq!(profile.language, Some(Language::new("ru").unwrap()));
    assert_eq!(
        profile.consented_at,
        moscow(0, 8, 0),
        "consent time is the first booking's"
    );
    assert_eq!(
        booked.booking.booked_for().map(|who| who.name.expose()),
        Some("Maria"),
        "the booking keeps what it was made with"
    );
}

#[tokio::test]
async fn my_bookings_lists_only_my_upcoming_active_bookings() {
    let s = salon(false).await;
    let mine = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    let earlier = s.book_haircut(customer(1), moscow(1, 10, 0)).await;
    let cancelled = s.book_haircut(customer(1), moscow(1, 14, 0)).await;
    s.engine
        .cancel_my_booking(customer(1), cancelled.id(), cancelled.version())
        .await
        .unwrap();
    s.book_haircut(customer(2), moscow(1, 16, 0)).await;

    let listed: Vec<_> = s
        .engine
        .my_bookings(customer(1))
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.booking.id())
        .collect();
    assert_eq!(listed, vec![earlier.id(), mine.id()]);
}

#[tokio::test]
async fn a_forged_booking_id_is_not_found_and_changes_nothing() {
    let s = salon(false).await;
    let victim = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    let attacker = customer(2);
    let missing = BookingId::new(9_999).unwrap();

    for id in [victim.id(), missing] {
        assert!(matches!(
            s.engine.my_booking(attacker, id).await,
            Err(FindBookingError::NotFound)
        ));
        assert!(matches!(
            s.engine
                .cancel_my_booking(attacker, id, Version::FIRST)
                .await,
            Err(BookingChangeError::NotFound)
        ));
        assert!(matches!(
            s.engine.confirm_attendance(attacker, id).await,
            Err(BookingChangeError::NotFound)
        ));
        assert!(matches!(
            s.engine
                .reschedule_my_booking(
                    attacker,
                    id,
                    Version::FIRST,
                    StaffChoice::Any,
                    moscow(2, 10, 0)
                )
                .await,
            Err(RescheduleBookingError::NotFound)
        ));
    }
    assert_eq!(s.store.booking(victim.id()).await.unwrap(), Some(victim));
}

#[tokio::test]
async fn cancelling_past_the_cutoff_is_refused_with_the_reason() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(0, 11, 0)).await;
    s.advance(Duration::minutes(90)); // 09:30: 90 minutes before, cutoff is 120.

    let refused = s
        .engine
        .cancel_my_booking(customer(1), booking.id(), booking.version())
        .await;

    match refused {
        Err(BookingChangeError::Refused(TransitionError::PastCutoff { cutoff, start })) => {
            assert_eq!(cutoff, minutes(120));
            assert_eq!(start, moscow(0, 11, 0));
        }
        other => panic!("expected PastCutoff, got {other:?}"),
    }
    assert!(
        s.store
            .booking(booking.id())
            .await
            .unwrap()
            .unwrap()
            .is_active()
    );
}

#[tokio::test]
async fn cancelling_tells_staff_and_withdraws_reminders_in_the_same_change() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(2, 11, 0)).await;

    let cancelled = s
        .engine
        .cancel_my_booking(customer(1), booking.id(), booking.version())
        .await
        .unwrap()
        .booking;

    assert!(
        matches!(cancelled.status(), BookingStatus::Cancelled(c) if c.by == CancelledBy::Customer)
    );
    assert_eq!(cancelled.version(), booking.version().next());
    let notices = s.notices(booking.id()).await;
    assert!(
        notices
            .iter()
            .filter(|n| n.kind.is_reminder())
            .all(|n| n.state == DeliveryState::Withdrawn)
    );
    assert!(
        notices
            .iter()
            .any(|n| n.kind == NoticeKind::Cancelled && n.recipient == Recipient::Staff(s.anna))
    );
    // The slot is free again.
    s.book_haircut(customer(2), moscow(2, 11, 0)).await;
}

#[tokio::test]
async fn a_stale_change_is_refused_with_the_current_state() {
    let s = salon(true).await;
    let booking = s
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
        .confirm_booking(&s.staff, booking.id(), booking.version())
        .await
        .unwrap()
        .booking;

    let stale = s
        .engine
        .cancel_my_booking(customer(1), booking.id(), booking.version())
        .await;

    match stale {
        Err(BookingChangeError::VersionConflict { current }) => assert_eq!(*current, confirmed),
        other => panic!("expected VersionConflict, got {other:?}"),
    }
    let stale_move = s
        .engine
        .reschedule_my_booking(
            customer(1),
            booking.id(),
            booking.version(),
            StaffChoice::Any,
            moscow(3, 10, 0),
        )
        .await;
    assert!(matches!(
        stale_move,
        Err(RescheduleBookingError::VersionConflict { .. })
    ));
    assert_eq!(
        s.store.booking(booking.id()).await.unwrap(),
        Some(confirmed)
    );
}

#[tokio::test]
async fn rescheduling_moves_the_booking_and_replans_reminders() {
    let s = salon(false).await;
    let old = s.book_haircut(customer(1), moscow(2, 11, 0)).await;

    let moved = s
        .engine
        .reschedule_my_booking(
            customer(1),
            old.id(),
            old.version(),
            StaffChoice::Only(s.boris),
            moscow(3, 16, 0),
        )
        .await
        .unwrap();

    assert_eq!(
        moved.old.status(),
        &BookingStatus::Rescheduled {
            to: moved.new.booking.id()
        }
    );
    let new = &moved.new.booking;
    assert_eq!((new.staff(), new.start()), (s.boris, moscow(3, 16, 0)));
    assert_eq!(moved.new.staff.as_ref().map(|m| m.id()), Some(s.boris));
    assert_eq!(
        moved.new.service.as_ref().map(|sv| sv.id()),
        Some(s.haircut)
    );
    assert_eq!(new.rescheduled_from(), Some(old.id()));
    assert_eq!(new.comment(), old.comment());
    assert!(
        s.notices(old.id())
            .await
            .iter()
            .filter(|n| n.kind.is_reminder())
            .all(|n| n.state == DeliveryState::Withdrawn)
    );
    let new_notices = s.notices(new.id()).await;
    let reminder_times: Vec<_> = new_notices
        .iter()
        .filter(|n| n.kind.is_reminder())
        .map(|n| n.due_at)
        .collect();
    assert_eq!(reminder_times, vec![moscow(2, 16, 0), moscow(3, 14, 0)]);
    let told: Vec<_> = new_notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Rescheduled)
        .map(|n| n.recipient)
        .collect();
    assert_eq!(
        told,
        vec![Recipient::Staff(s.boris), Recipient::Staff(s.anna)],
        "both calendars hear of it"
    );
}

#[tokio::test]
async fn rescheduling_to_a_taken_time_leaves_the_old_booking_untouched() {
    let s = salon(false).await;
    let old = s.book_haircut(customer(1), moscow(2, 11, 0)).await;
    s.book_haircut(customer(2), moscow(2, 15, 0)).await;

    let refused = s
        .engine
        .reschedule_my_booking(
            customer(1),
            old.id(),
            old.version(),
            StaffChoice::Only(s.anna),
            moscow(2, 15, 30),
        )
        .await;

    assert!(matches!(
        refused,
        Err(RescheduleBookingError::SlotTaken { .. })
    ));
    assert_eq!(s.store.booking(old.id()).await.unwrap(), Some(old.clone()));
    assert!(
        s.notices(old.id())
            .await
            .iter()
            .all(|n| n.state == DeliveryState::Pending)
    );
}

#[tokio::test]
async fn rescheduling_past_the_cutoff_is_refused() {
    let s = salon(false).await;
    let old = s.book_haircut(customer(1), moscow(0, 12, 0)).await;
    s.advance(Duration::hours(2)); // 10:00: two hours before, cutoff is three.

    let refused = s
        .engine
        .reschedule_my_booking(
            customer(1),
            old.id(),
            old.version(),
            StaffChoice::Any,
            moscow(1, 12, 0),
        )
        .await;

    assert!(matches!(
        refused,
        Err(RescheduleBookingError::Refused(
            TransitionError::PastCutoff { .. }
        ))
    ));
}

#[tokio::test]
async fn a_customer_move_needs_confirmation_again_when_the_business_confirms() {
    let s = salon(true).await;
    let booking = s
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
        .confirm_booking(&s.staff, booking.id(), booking.version())
        .await
        .unwrap()
        .booking;

    let moved = s
        .engine
        .reschedule_my_booking(
            customer(1),
            confirmed.id(),
            confirmed.version(),
            StaffChoice::Any,
            moscow(3, 11, 0),
        )
        .await
        .unwrap();

    assert_eq!(moved.new.booking.status(), &BookingStatus::Pending);
    assert!(
        s.notices(moved.new.booking.id())
            .await
            .iter()
            .all(|n| !n.kind.is_reminder()),
        "a pending booking gets its reminders when confirmed"
    );
}

#[tokio::test]
async fn confirming_attendance_is_recorded_once() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    let first = s
        .engine
        .confirm_attendance(customer(1), booking.id())
        .await
        .unwrap()
        .booking;
    s.advance(Duration::hours(1));
    let again = s
        .engine
        .confirm_attendance(customer(1), booking.id())
        .await
        .unwrap()
        .booking;

    assert_eq!(first.attendance_confirmed_at(), Some(moscow(0, 8, 0)));
    assert_eq!(again, first, "saying it twice changes nothing");
    s.clock.set(moscow(1, 12, 0));
    let late = s.engine.confirm_attendance(customer(1), booking.id()).await;
    assert!(matches!(
        late,
        Err(BookingChangeError::Refused(
            TransitionError::AlreadyStarted { .. }
        ))
    ));
}

#[tokio::test]
async fn forget_me_cancels_upcoming_bookings_and_anonymises_the_rest() {
    let s = salon(false).await;
    let past = s.book_haircut(customer(1), moscow(0, 9, 0)).await;
    let soon = s.book_haircut(customer(1), moscow(1, 10, 0)).await;
    s.clock.set(moscow(1, 9, 30)); // Past the cancellation cutoff of `soon`.

    let forgotten = s.engine.forget_me(customer(1)).await.unwrap();

    assert_eq!(
        forgotten.cancelled,
        vec![soon.id()],
        "past bookings stay as they are"
    );
    assert!(forgotten.erasure.profile_deleted);
    assert_eq!(forgotten.erasure.bookings_anonymised, 2);
    let data = s.engine.my_data(customer(1)).await.unwrap();
    assert!(data.profile.is_none() && data.bookings.is_empty());
    let soon_now = s.store.booking(soon.id()).await.unwrap().unwrap();
    assert!(
        matches!(soon_now.status(), BookingStatus::Cancelled(c) if c.by == CancelledBy::System)
    );
    assert_eq!(soon_now.customer(), None);
    assert!(
        s.store
            .booking(past.id())
            .await
            .unwrap()
            .unwrap()
            .customer()
            .is_none()
    );
    assert!(s.store.customer(customer(1)).await.unwrap().is_none());
    let notices = s.notices(soon.id()).await;
    assert!(
        notices
            .iter()
            .all(|n| matches!(n.recipient, Recipient::Staff(_))),
        "{notices:?}"
    );
    assert!(
        notices.iter().any(|n| n.kind == NoticeKind::Cancelled),
        "staff hear of the cancellation"
    );
}

#[tokio::test]
async fn my_data_shows_the_profile_and_every_booking() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(1, 10, 0)).await;
    let data = s.engine.my_data(customer(1)).await.unwrap();
    assert_eq!(data.profile.unwrap().id, customer(1));
    assert_eq!(data.bookings, vec![booking]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customers_racing_for_one_time_get_one_booking_and_clear_refusals() {
    let s = std::sync::Arc::new(salon(false).await);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = Vec::new();
    for n in 0..20 {
        let (s, barrier) = (s.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            s.engine
                .book(
                    customer(n),
                    form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 10, 0)),
                )
                .await
        }));
    }
    let mut booked = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => booked += 1,
            Err(BookError::SlotTaken { start }) => assert_eq!(start, moscow(1, 10, 0)),
            Err(other) => panic!("a customer who lost the race must hear SlotTaken, got {other:?}"),
        }
    }
    assert_eq!(booked, 1);
}

#[tokio::test]
async fn forget_me_leaves_a_visit_under_way_to_staff() {
    let s = salon(false).await;
    let now_running = s.book_haircut(customer(1), moscow(0, 10, 0)).await;
    s.clock.set(moscow(0, 10, 30));

    let forgotten = s.engine.forget_me(customer(1)).await.unwrap();

    assert!(forgotten.cancelled.is_empty());
    let after = s.store.booking(now_running.id()).await.unwrap().unwrap();
    assert_eq!(after.status(), &BookingStatus::Confirmed);
    assert_eq!(after.customer(), None);
}

#[tokio::test]
async fn free_times_to_move_do_not_count_the_booking_itself() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(1, 11, 0)).await;
    let mover = booking_ports::engine::Mover::Customer(customer(1));

    let times = s
        .engine
        .free_times_to_move(mover, booking.id(), StaffChoice::Only(s.anna), day(1))
        .await
        .unwrap();
    let plain = s
        .engine
        .free_times(s.haircut, StaffChoice::Only(s.anna), day(1))
        .await
        .unwrap();

    assert!(
        times.iter().any(|f| f.start == moscow(1, 11, 30)),
        "half an hour later is offered"
    );
    assert!(!plain.iter().any(|f| f.start == moscow(1, 11, 30)));
    s.engine
        .reschedule_my_booking(
            customer(1),
            booking.id(),
            booking.version(),
            StaffChoice::Only(s.anna),
            moscow(1, 11, 30),
        )
        .await
        .unwrap();

    let days = s
        .engine
        .days_to_move(
            booking_ports::engine::Mover::Staff(&s.staff),
            booking.id(),
            StaffChoice::Any,
            day(0),
            day(2),
        )
        .await
        .unwrap();
    assert_eq!(days, vec![day(0), day(1), day(2)]);
    let forged = s
        .engine
        .free_times_to_move(
            booking_ports::engine::Mover::Customer(customer(2)),
            booking.id(),
            StaffChoice::Any,
            day(1),
        )
        .await;
    assert!(matches!(forged, Err(FindBookingError::NotFound)));
}

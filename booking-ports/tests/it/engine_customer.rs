//! State-based tests of the customer use cases on the in-memory store:
//! services, free days and times, booking and its limits, my bookings.
//! Changes to a booking are in `engine_customer_changes.rs`.

use booking_domain::{
    BookingStatus, InvalidComment, InvalidName, InvalidPhone, SlotRefusal, StaffChoice,
};
use booking_ports::engine::{AvailabilityError, BookError};
use booking_ports::{EngineSettings, Language, NoticeKind, Recipient};
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

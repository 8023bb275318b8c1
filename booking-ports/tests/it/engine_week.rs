//! The week view, the same hours blocked on each day of a range, and
//! removing blocks, on the in-memory store.

use booking_domain::{
    BookingStatus, CancelReason, Interval, LocalTimeRange, Policy, StaffChoice, StaffId,
    TimeOffSpec,
};
use booking_ports::engine::{
    BlockPeriodError, DailyBlockSpec, Period, UnblockPeriodError, WeekError,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::common::{customer, day, form, moscow, policy, salon};

fn hours(text: &str) -> LocalTimeRange {
    LocalTimeRange::parse(text).unwrap()
}

fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Interval {
    Interval::new(from, to).unwrap()
}

#[tokio::test]
async fn the_week_counts_bookings_and_finds_free_windows_around_bookings_and_blocks() {
    let s = salon(false).await;
    // Tuesday: haircuts (an hour, then 15 minutes kept free) at 11:00 and
    // 15:00, Anna blocked 13:00-14:00; a cancelled booking on Wednesday.
    let eleven = s.book_haircut(customer(1), moscow(1, 11, 0)).await;
    s.book_haircut(customer(2), moscow(1, 15, 0)).await;
    let gone = s.book_haircut(customer(3), moscow(2, 10, 0)).await;
    s.engine
        .cancel_booking(&s.staff, gone.id(), gone.version(), None)
        .await
        .unwrap();
    s.engine
        .block_period(
            &s.staff,
            TimeOffSpec {
                staff: Some(s.anna),
                period: between(moscow(1, 13, 0), moscow(1, 14, 0)),
                reason: None,
            },
        )
        .await
        .unwrap();

    let week = s.engine.week(&s.staff, day(0), None).await.unwrap();

    assert_eq!(week.first, day(0));
    let who: Vec<StaffId> = week.staff.iter().map(|w| w.member.id()).collect();
    assert_eq!(who, vec![s.anna, s.boris]);
    let (anna, boris) = (&week.staff[0], &week.staff[1]);
    let days: Vec<NaiveDate> = anna.days.iter().map(|d| d.day).collect();
    assert_eq!(days, (0..7).map(day).collect::<Vec<_>>());

    let monday = &anna.days[0];
    assert_eq!(monday.bookings, 0);
    assert_eq!((monday.first, monday.last), (None, None));
    assert!(monday.works);
    assert_eq!(
        monday.free,
        vec![between(moscow(0, 9, 0), moscow(0, 18, 0))]
    );

    let tuesday = &anna.days[1];
    assert_eq!(tuesday.bookings, 2);
    assert_eq!(tuesday.first, Some(moscow(1, 11, 0)));
    assert_eq!(tuesday.last, Some(moscow(1, 15, 0)));
    assert_eq!(
        tuesday.free,
        vec![
            between(moscow(1, 9, 0), moscow(1, 11, 0)),
            between(moscow(1, 12, 15), moscow(1, 13, 0)),
            between(moscow(1, 14, 0), moscow(1, 15, 0)),
            between(moscow(1, 16, 15), moscow(1, 18, 0)),
        ]
    );
    assert_eq!(
        tuesday.blocked,
        vec![between(moscow(1, 13, 0), moscow(1, 14, 0))]
    );
    assert_eq!(
        anna.days[2].bookings, 0,
        "a cancelled booking does not count"
    );
    let saturday = &anna.days[5];
    assert!(!saturday.works && saturday.free.is_empty());

    assert!(!boris.days[0].works, "Boris starts on Tuesdays");
    assert_eq!(
        boris.days[1].free,
        vec![
            between(moscow(1, 10, 0), moscow(1, 14, 0)),
            between(moscow(1, 15, 0), moscow(1, 20, 0)),
        ],
        "Anna's bookings and block are hers alone"
    );

    // Later that Tuesday: the morning is no longer free, and the visit
    // done still counts.
    s.advance(Duration::hours(24 + 5));
    s.engine
        .complete_booking(&s.staff, eleven.id(), eleven.version())
        .await
        .unwrap();
    let later = s.engine.week(&s.staff, day(1), Some(s.anna)).await.unwrap();
    assert_eq!(later.staff.len(), 1);
    let tuesday = &later.staff[0].days[0];
    assert_eq!(tuesday.bookings, 2);
    assert_eq!(tuesday.first, Some(moscow(1, 11, 0)));
    assert_eq!(
        tuesday.free,
        vec![
            between(moscow(1, 14, 0), moscow(1, 15, 0)),
            between(moscow(1, 16, 15), moscow(1, 18, 0)),
        ],
        "from 13:00 on; the completed visit holds no time"
    );

    let unknown = s
        .engine
        .week(&s.staff, day(0), Some(StaffId::new(42).unwrap()))
        .await;
    assert!(matches!(unknown, Err(WeekError::UnknownStaff { .. })));
}

#[tokio::test]
async fn hours_blocked_over_a_range_are_blocked_on_each_day_and_not_the_nights_between() {
    let s = salon(false).await;
    let wednesday_noon = s.book_haircut(customer(1), moscow(2, 12, 0)).await;
    s.book_haircut(customer(2), moscow(2, 16, 0)).await;

    let done = s
        .engine
        .block_hours_daily(
            &s.staff,
            DailyBlockSpec {
                staff: Some(s.anna),
                days: Period::new(day(1), day(3)).unwrap(),
                hours: hours("12:00-13:00"),
                reason: Some(CancelReason::new("Lunch").unwrap()),
            },
        )
        .await
        .unwrap();

    let periods: Vec<Interval> = done.time_off.iter().map(|t| t.period()).collect();
    assert_eq!(
        periods,
        (1..=3)
            .map(|d| between(moscow(d, 12, 0), moscow(d, 13, 0)))
            .collect::<Vec<_>>()
    );
    assert!(done.time_off.iter().all(|t| t.spec().staff == Some(s.anna)));
    let colliding: Vec<_> = done.colliding.iter().map(|d| d.booking.id()).collect();
    assert_eq!(colliding, vec![wednesday_noon.id()]);

    // The afternoons and mornings between the lunches stay bookable.
    let tuesday = s
        .engine
        .free_times(s.haircut, StaffChoice::Only(s.anna), day(1))
        .await
        .unwrap();
    let starts: Vec<_> = tuesday.iter().map(|f| f.start).collect();
    assert!(starts.contains(&moscow(1, 11, 0)));
    assert!(starts.contains(&moscow(1, 15, 0)));
    assert!(!starts.contains(&moscow(1, 12, 0)));
    let thursday = s
        .engine
        .free_times(s.haircut, StaffChoice::Only(s.anna), day(3))
        .await
        .unwrap();
    assert!(thursday.iter().any(|f| f.start == moscow(3, 9, 0)));
    let blocked = s
        .engine
        .blocked_periods(&s.staff, Period::new(day(0), day(6)).unwrap())
        .await
        .unwrap();
    assert_eq!(blocked, done.time_off);
}

#[tokio::test]
async fn daily_hours_follow_the_wall_clock_across_a_change_of_the_clocks() {
    let s = salon(false).await;
    let mut berlin = policy(false).settings().clone();
    berlin.time_zone = "Europe/Berlin".parse().unwrap();
    s.engine.set_policy(Policy::new(berlin).unwrap());
    let date = |m, d| NaiveDate::from_ymd_opt(2030, m, d).unwrap();
    let utc = |m, d, h, min| Utc.with_ymd_and_hms(2030, m, d, h, min, 0).unwrap();
    let block = |first, last, range: &str| DailyBlockSpec {
        staff: None,
        days: Period::new(first, last).unwrap(),
        hours: hours(range),
        reason: None,
    };

    // Clocks spring forward on Sunday 31 March 2030: 10:00 is 09:00 UTC
    // before, 08:00 UTC after.
    let spring = s
        .engine
        .block_hours_daily(&s.staff, block(date(3, 30), date(4, 1), "10:00-11:00"))
        .await
        .unwrap();
    let periods: Vec<Interval> = spring.time_off.iter().map(|t| t.period()).collect();
    assert_eq!(
        periods,
        vec![
            between(utc(3, 30, 9, 0), utc(3, 30, 10, 0)),
            between(utc(3, 31, 8, 0), utc(3, 31, 9, 0)),
            between(utc(4, 1, 8, 0), utc(4, 1, 9, 0)),
        ]
    );

    // Hours the clocks skip exist on no day.
    let skipped = s
        .engine
        .block_hours_daily(&s.staff, block(date(3, 31), date(3, 31), "02:00-03:00"))
        .await;
    assert!(matches!(skipped, Err(BlockPeriodError::NoSuchHours)));

    // Clocks fall back on Sunday 27 October 2030: 02:30-02:45 happens
    // twice, and both are blocked.
    let autumn = s
        .engine
        .block_hours_daily(&s.staff, block(date(10, 27), date(10, 27), "02:30-02:45"))
        .await
        .unwrap();
    let periods: Vec<Interval> = autumn.time_off.iter().map(|t| t.period()).collect();
    assert_eq!(
        periods,
        vec![
            between(utc(10, 27, 0, 30), utc(10, 27, 0, 45)),
            between(utc(10, 27, 1, 30), utc(10, 27, 1, 45)),
        ]
    );
}

#[tokio::test]
async fn a_daily_block_is_refused_whole_before_anything_is_stored() {
    let s = salon(false).await;
    let too_long = s
        .engine
        .block_hours_daily(
            &s.staff,
            DailyBlockSpec {
                staff: None,
                days: Period::new(day(0), day(366)).unwrap(),
                hours: hours("12:00-13:00"),
                reason: None,
            },
        )
        .await;
    assert!(matches!(too_long, Err(BlockPeriodError::Invalid(_))));
    let unknown = s
        .engine
        .block_hours_daily(
            &s.staff,
            DailyBlockSpec {
                staff: Some(StaffId::new(42).unwrap()),
                days: Period::new(day(1), day(2)).unwrap(),
                hours: hours("12:00-13:00"),
                reason: None,
            },
        )
        .await;
    assert!(matches!(
        unknown,
        Err(BlockPeriodError::UnknownStaff { .. })
    ));
    assert!(s.engine.upcoming_blocks(&s.staff).await.unwrap().is_empty());
}

#[tokio::test]
async fn removing_a_block_reopens_its_time_and_a_missing_one_is_refused() {
    let s = salon(false).await;
    let block = |from, to| TimeOffSpec {
        staff: Some(s.anna),
        period: between(from, to),
        reason: None,
    };
    // Now is Monday 08:00: one block is over, one runs, one is to come.
    let over = s
        .engine
        .block_period(&s.staff, block(moscow(0, 6, 0), moscow(0, 7, 0)))
        .await
        .unwrap()
        .time_off;
    let running = s
        .engine
        .block_period(&s.staff, block(moscow(0, 7, 0), moscow(0, 9, 0)))
        .await
        .unwrap()
        .time_off;
    let lunch = s
        .engine
        .block_period(&s.staff, block(moscow(1, 12, 0), moscow(1, 13, 0)))
        .await
        .unwrap()
        .time_off;
    assert_eq!(
        s.engine.upcoming_blocks(&s.staff).await.unwrap(),
        vec![running.clone(), lunch.clone()]
    );
    let offered =
        |starts: Vec<booking_domain::FreeStart>| starts.iter().any(|f| f.start == moscow(1, 12, 0));
    assert!(!offered(
        s.engine
            .free_times(s.haircut, StaffChoice::Only(s.anna), day(1))
            .await
            .unwrap()
    ));

    s.engine.unblock_period(&s.staff, lunch.id()).await.unwrap();

    assert_eq!(
        s.engine.upcoming_blocks(&s.staff).await.unwrap(),
        vec![running]
    );
    assert!(offered(
        s.engine
            .free_times(s.haircut, StaffChoice::Only(s.anna), day(1))
            .await
            .unwrap()
    ));
    let again = s.engine.unblock_period(&s.staff, lunch.id()).await;
    assert!(matches!(again, Err(UnblockPeriodError::NotFound)));
    let _ = over;
    let booked = s
        .engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 12, 0)),
        )
        .await
        .unwrap();
    assert!(matches!(booked.booking.status(), BookingStatus::Confirmed));
}

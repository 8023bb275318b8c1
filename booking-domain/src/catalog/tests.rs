//! Unit tests of the catalog: hours, overrides, services, staff, blocked
//! periods and the policy.

use chrono::{NaiveDate, Utc, Weekday};

use super::*;
use crate::values::PhoneRegion;

#[test]
fn periods_parse_and_refuse_bad_input() {
    assert_eq!(
        LocalTimeRange::parse("09:00-13:30").unwrap().to_string(),
        "09:00-13:30"
    );
    assert_eq!(
        LocalTimeRange::parse("18:00 – 24:00").unwrap().end_minute(),
        1440
    );
    assert!(matches!(
        LocalTimeRange::parse("13:00-09:00"),
        Err(InvalidHours::NotIncreasing { .. })
    ));
    assert!(matches!(
        LocalTimeRange::parse("09:60-10:00"),
        Err(InvalidHours::BadTime(_))
    ));
    assert!(matches!(
        LocalTimeRange::parse("nine to five"),
        Err(InvalidHours::Malformed(_))
    ));
}

#[test]
fn weekly_hours_merge_touching_periods_and_refuse_overlaps() {
    let p = |s| LocalTimeRange::parse(s).unwrap();
    let hours = WeeklyHours::new([
        (Weekday::Mon, p("12:00-18:00")),
        (Weekday::Mon, p("09:00-12:00")),
    ])
    .unwrap();
    assert_eq!(hours.on(Weekday::Mon), &[p("09:00-18:00")]);
    assert!(hours.on(Weekday::Tue).is_empty());
    let overlap = WeeklyHours::new([
        (Weekday::Fri, p("09:00-13:00")),
        (Weekday::Fri, p("12:00-18:00")),
    ]);
    assert!(matches!(overlap, Err(InvalidHours::Overlapping { .. })));
}

#[test]
fn hours_refusals_read_well() {
    assert_eq!(
        LocalTimeRange::parse("13:00-09:00")
            .unwrap_err()
            .to_string(),
        "a period must start before it ends (13:00 is not before 09:00)"
    );
    assert_eq!(
        LocalTimeRange::parse("09:60-10:00")
            .unwrap_err()
            .to_string(),
        "a time of day is between 00:00 and 24:00, got \"09:60\""
    );
    assert_eq!(
        LocalTimeRange::parse("nine to five")
            .unwrap_err()
            .to_string(),
        "write a period as HH:MM-HH:MM, got \"nine to five\""
    );
    let p = |s| LocalTimeRange::parse(s).unwrap();
    let overlap = WeeklyHours::new([
        (Weekday::Fri, p("09:00-13:00")),
        (Weekday::Fri, p("12:00-18:00")),
    ])
    .unwrap_err();
    assert_eq!(
        overlap.to_string(),
        "periods on Fri overlap: 09:00-13:00 and 12:00-18:00"
    );
}

#[test]
fn a_time_of_day_is_written_h_mm_or_hh_mm_up_to_24_00() {
    for ok in ["9:00-10:00", "09:00 - 10:00", "00:00-24:00", "23:59-24:00"] {
        assert!(LocalTimeRange::parse(ok).is_ok(), "{ok}");
    }
    for bad in [
        "9:5-10:00",
        "+9:00-10:00",
        "009:00-10:00",
        "24:01-24:30",
        "09:00-25:00",
        "9h-10h",
        "09:00-10:0a",
    ] {
        assert!(
            matches!(LocalTimeRange::parse(bad), Err(InvalidHours::BadTime(_))),
            "{bad}: {:?}",
            LocalTimeRange::parse(bad)
        );
    }
    assert_eq!(
        LocalTimeRange::parse("09:00"),
        Err(InvalidHours::Malformed("09:00".to_owned()))
    );
}

#[test]
fn a_period_is_between_midnight_and_midnight_and_not_empty() {
    assert_eq!(
        LocalTimeRange::new(600, 1441),
        Err(InvalidHours::BadTime("1441 minutes".to_owned()))
    );
    assert_eq!(
        LocalTimeRange::new(600, 600),
        Err(InvalidHours::NotIncreasing {
            start: "10:00".to_owned(),
            end: "10:00".to_owned()
        })
    );
    let all_day = LocalTimeRange::new(0, 1440).unwrap();
    assert_eq!((all_day.start_minute(), all_day.end_minute()), (0, 1440));
    assert_eq!(all_day.to_string(), "00:00-24:00");
}

#[test]
fn date_overrides_refuse_overlapping_special_hours_and_merge_touching_ones() {
    let date = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let p = |s| LocalTimeRange::parse(s).unwrap();
    let overlapping = DateOverride::new(
        date,
        None,
        OverrideHours::Open(vec![p("10:00-14:00"), p("13:00-15:00")]),
    );
    assert_eq!(
        overlapping,
        Err(InvalidHours::Overlapping {
            day: "2026-12-31".to_owned(),
            first: "10:00-14:00".to_owned(),
            second: "13:00-15:00".to_owned()
        })
    );
    let touching = DateOverride::new(
        date,
        Some(StaffId::new(3).unwrap()),
        OverrideHours::Open(vec![p("12:00-15:00"), p("10:00-12:00")]),
    )
    .unwrap();
    assert_eq!(
        touching.hours(),
        &OverrideHours::Open(vec![p("10:00-15:00")])
    );
    assert_eq!(touching.staff(), StaffId::new(3).ok());
    assert_eq!(touching.date(), date);
}

fn spec(duration: i64, before: i64, after: i64) -> ServiceSpec {
    let m = |n| Minutes::new(n).unwrap();
    ServiceSpec {
        name: ServiceName::new("Cut").unwrap(),
        duration: m(duration),
        price: Money::new(100, crate::values::Currency::new("EUR").unwrap()).unwrap(),
        buffer_before: m(before),
        buffer_after: m(after),
        active: true,
        performers: vec![
            StaffId::new(2).unwrap(),
            StaffId::new(1).unwrap(),
            StaffId::new(2).unwrap(),
        ],
    }
}

#[test]
fn a_service_lasts_at_least_a_minute_and_fits_in_a_day_with_its_buffers() {
    let id = ServiceId::new(1).unwrap();
    assert_eq!(
        Service::new(id, spec(0, 10, 10)),
        Err(InvalidService::ZeroDuration)
    );
    assert_eq!(
        Service::new(id, spec(1400, 20, 21)),
        Err(InvalidService::LongerThanADay)
    );
    assert!(Service::new(id, spec(1400, 20, 20)).is_ok());
    assert_eq!(
        InvalidService::ZeroDuration.to_string(),
        "a service must last at least one minute"
    );
    assert_eq!(
        InvalidService::LongerThanADay.to_string(),
        "a service, buffers included, must fit in one day"
    );
}

#[test]
fn a_services_performers_are_a_set() {
    let service = Service::new(ServiceId::new(1).unwrap(), spec(30, 0, 0)).unwrap();
    assert_eq!(
        service.spec().performers,
        [StaffId::new(1).unwrap(), StaffId::new(2).unwrap()]
    );
    assert!(service.is_performed_by(StaffId::new(2).unwrap()));
    assert!(!service.is_performed_by(StaffId::new(3).unwrap()));
}

#[test]
fn time_off_lasts_at_most_366_days() {
    let start = chrono::DateTime::from_timestamp(1_772_000_000, 0).unwrap();
    let spec = |length: chrono::Duration| TimeOffSpec {
        staff: None,
        period: Interval::new(start, start + length).unwrap(),
        reason: None,
    };
    let id = TimeOffId::new(1).unwrap();
    assert!(TimeOff::new(id, spec(chrono::Duration::days(366))).is_ok());
    for too_long in [
        chrono::Duration::days(366) + chrono::Duration::minutes(1),
        chrono::Duration::days(366) + chrono::Duration::hours(23),
        chrono::Duration::days(400),
    ] {
        assert_eq!(
            TimeOff::new(id, spec(too_long)),
            Err(InvalidTimeOff::TooLong { max_days: 366 })
        );
    }
    assert_eq!(
        InvalidTimeOff::TooLong { max_days: 366 }.to_string(),
        "a blocked period may last at most 366 days"
    );
    let everyone = spec(chrono::Duration::hours(1));
    assert!(everyone.applies_to(StaffId::new(5).unwrap()));
    let one = TimeOffSpec {
        staff: StaffId::new(4).ok(),
        ..everyone
    };
    assert!(one.applies_to(StaffId::new(4).unwrap()));
    assert!(!one.applies_to(StaffId::new(5).unwrap()));
}

fn settings() -> PolicySettings {
    let m = |n| Minutes::new(n).unwrap();
    PolicySettings {
        time_zone: chrono_tz::Europe::Moscow,
        slot_step: m(15),
        min_notice: m(60),
        horizon_days: 30,
        cancellation_cutoff: m(120),
        reschedule_cutoff: m(240),
        max_active_bookings_per_customer: 2,
        requires_confirmation: true,
        phone_region: PhoneRegion::new("RU").unwrap(),
    }
}

#[test]
fn policy_refuses_each_setting_out_of_range_by_name() {
    let m = |n| Minutes::new(n).unwrap();
    for step in [0, 4, 7, 25, 721, 1440] {
        assert_eq!(
            Policy::new(PolicySettings {
                slot_step: m(step),
                ..settings()
            }),
            Err(InvalidPolicy::SlotStep(u32::try_from(step).unwrap())),
            "{step}"
        );
    }
    for step in [5, 10, 15, 20, 30, 45, 60, 90, 720] {
        assert!(
            Policy::new(PolicySettings {
                slot_step: m(step),
                ..settings()
            })
            .is_ok(),
            "{step}"
        );
    }
    for horizon in [0, 367] {
        assert_eq!(
            Policy::new(PolicySettings {
                horizon_days: horizon,
                ..settings()
            }),
            Err(InvalidPolicy::Horizon(horizon))
        );
    }
    assert_eq!(
        Policy::new(PolicySettings {
            max_active_bookings_per_customer: 0,
            ..settings()
        }),
        Err(InvalidPolicy::ZeroActiveBookings)
    );
    for (error, message) in [
        (
            InvalidPolicy::SlotStep(7),
            "the slot step must be between 5 and 720 minutes and divide a day evenly, got 7",
        ),
        (
            InvalidPolicy::Horizon(0),
            "the booking horizon must be between 1 and 366 days, got 0",
        ),
        (
            InvalidPolicy::ZeroActiveBookings,
            "a customer must be allowed at least one active booking",
        ),
    ] {
        assert_eq!(error.to_string(), message);
    }
}

#[test]
fn policy_reads_days_in_its_time_zone() {
    let policy = Policy::new(settings()).unwrap();
    // 22:30 UTC is already the next day in Moscow (UTC+3).
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T22:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        policy.today(now),
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    );
    assert_eq!(
        policy.last_bookable_day(now),
        NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
    );
    assert_eq!(policy.settings(), &settings());
}

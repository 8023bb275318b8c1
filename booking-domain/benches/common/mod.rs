//! The calendar both slot benchmarks measure: a service that 10 staff
//! members perform, with 1,000 active bookings in a 60-day horizon.
use booking_domain::{
    AuditTrail, Availability, Booking, BookingId, BookingParts, BookingStatus, Currency,
    CustomerId, LocalTimeRange, Minutes, Money, PhoneRegion, Policy, PolicySettings, Service,
    ServiceId, ServiceName, ServiceSpec, StaffId, StaffMember, StaffName, StaffSpec, Version,
    WeeklyHours,
};
use chrono::{DateTime, Duration, TimeZone, Utc, Weekday};

const STAFF: i64 = 10;
const BOOKINGS: i64 = 1_000;
pub(crate) const HORIZON_DAYS: u16 = 60;

pub(crate) struct Calendar {
    pub(crate) policy: Policy,
    pub(crate) staff: Vec<StaffMember>,
    pub(crate) service: Service,
    pub(crate) bookings: Vec<Booking>,
    pub(crate) now: DateTime<Utc>,
}

pub(crate) fn calendar() -> Calendar {
    let minutes = |m| Minutes::new(m).unwrap();
    let policy = Policy::new(PolicySettings {
        time_zone: chrono_tz::Europe::Berlin,
        slot_step: minutes(15),
        min_notice: minutes(60),
        horizon_days: HORIZON_DAYS,
        cancellation_cutoff: minutes(120),
        reschedule_cutoff: minutes(120),
        max_active_bookings_per_customer: 3,
        requires_confirmation: false,
        phone_region: PhoneRegion::new("DE").unwrap(),
    })
    .unwrap();
    let working_day = |d| {
        [
            (d, LocalTimeRange::parse("09:00-13:00").unwrap()),
            (d, LocalTimeRange::parse("14:00-19:00").unwrap()),
        ]
    };
    let hours = WeeklyHours::new(
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ]
        .into_iter()
        .flat_map(working_day),
    )
    .unwrap();
    let staff: Vec<StaffMember> = (1..=STAFF)
        .map(|i| {
            let spec = StaffSpec {
                name: StaffName::new(&format!("Staff {i}")).unwrap(),
                hours: hours.clone(),
                active: true,
            };
            StaffMember::new(StaffId::new(i).unwrap(), spec).unwrap()
        })
        .collect();
    let service = Service::new(
        ServiceId::new(1).unwrap(),
        ServiceSpec {
            name: ServiceName::new("Haircut").unwrap(),
            duration: minutes(45),
            price: Money::new(3_500, Currency::new("EUR").unwrap()).unwrap(),
            buffer_before: minutes(5),
            buffer_after: minutes(10),
            active: true,
            performers: staff.iter().map(StaffMember::id).collect(),
        },
    )
    .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 7, 0, 0).unwrap();
    // 1,000 bookings spread over the horizon: 100 per staff member, one
    // every 6 days or so at 10:00 + 30 min * (i % 12) local (winter, UTC+1).
    let bookings = (0..BOOKINGS)
        .map(|i| {
            let staff = StaffId::new(i % STAFF + 1).unwrap();
            let day = i / STAFF * HORIZON_DAYS as i64 / (BOOKINGS / STAFF);
            let start =
                now + Duration::days(day) + Duration::hours(2) + Duration::minutes(30 * (i % 12));
            Booking::from_parts(BookingParts {
                id: BookingId::new(i + 1).unwrap(),
                customer: Some(CustomerId::new(i + 1).unwrap()),
                service: service.id(),
                staff,
                start,
                end: start + Duration::minutes(45),
                buffer_before: minutes(5),
                buffer_after: minutes(10),
                comment: None,
                status: BookingStatus::Confirmed,
                version: Version::FIRST,
                created_at: now,
                rescheduled_from: None,
                attendance_confirmed_at: None,
                booked_for: None,
                price: None,
                audit: AuditTrail::default(),
            })
            .unwrap()
        })
        .collect();
    Calendar {
        policy,
        staff,
        service,
        bookings,
        now,
    }
}

pub(crate) fn availability(c: &Calendar) -> Availability<'_> {
    Availability {
        policy: &c.policy,
        staff: &c.staff,
        overrides: &[],
        time_off: &[],
        bookings: &c.bookings,
        now: c.now,
        ignoring: None,
    }
}

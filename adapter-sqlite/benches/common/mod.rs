//! What the SQLite benchmarks share: a salon's catalog and policy, where
//! their database files live, and the machine's load for the report.
//!
//! Database files go under `target/tmp` (Cargo's `CARGO_TARGET_TMPDIR`),
//! on the same disk as the build, never in `/tmp`: a `tmpfs` there would
//! make every fsync free and the durability figures meaningless.

use std::path::{Path, PathBuf};

use booking_domain::{
    Currency, LocalTimeRange, Minutes, Money, PhoneRegion, Policy, PolicySettings, Service,
    ServiceId, ServiceName, ServiceSpec, StaffId, StaffMember, StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::CatalogSnapshot;
use chrono::Weekday;

/// The directory for benchmark databases, created when missing.
pub(crate) fn bench_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adapter-sqlite-bench");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The machine's load averages (1, 5 and 15 minutes), as `/proc/loadavg`
/// gives them: the figures depend on what else runs on the shared cores.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// What a catalog for the benchmarks looks like.
pub(crate) struct Salon {
    pub(crate) staff: i64,
    /// Weekly hours of every staff member, as `HH:MM-HH:MM` periods.
    pub(crate) periods: &'static [&'static str],
    pub(crate) days: &'static [Weekday],
    pub(crate) duration_min: i64,
    pub(crate) buffer_before_min: i64,
    pub(crate) buffer_after_min: i64,
}

pub(crate) const SERVICE: i64 = 1;

impl Salon {
    /// Staff `1..=staff`, all performing service 1.
    pub(crate) fn catalog(&self) -> CatalogSnapshot {
        let minutes = |m| Minutes::new(m).unwrap();
        let hours = WeeklyHours::new(self.days.iter().flat_map(|day| {
            self.periods
                .iter()
                .map(|p| (*day, LocalTimeRange::parse(p).unwrap()))
        }))
        .unwrap();
        let staff: Vec<StaffMember> = (1..=self.staff)
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
            ServiceId::new(SERVICE).unwrap(),
            ServiceSpec {
                name: ServiceName::new("Haircut").unwrap(),
                duration: minutes(self.duration_min),
                price: Money::new(3_500, Currency::new("EUR").unwrap()).unwrap(),
                buffer_before: minutes(self.buffer_before_min),
                buffer_after: minutes(self.buffer_after_min),
                active: true,
                performers: staff.iter().map(StaffMember::id).collect(),
            },
        )
        .unwrap();
        CatalogSnapshot {
            staff,
            services: vec![service],
            ..CatalogSnapshot::default()
        }
    }
}

/// The business policy of the benchmarks: Berlin time, a year's horizon,
/// bookings confirmed at once (so each one also plans its reminders), and a
/// per-customer limit that the benchmarks never reach.
pub(crate) fn policy(slot_step_min: i64) -> Policy {
    let minutes = |m| Minutes::new(m).unwrap();
    Policy::new(PolicySettings {
        time_zone: "Europe/Berlin".parse().unwrap(),
        slot_step: minutes(slot_step_min),
        min_notice: minutes(60),
        horizon_days: 366,
        cancellation_cutoff: minutes(120),
        reschedule_cutoff: minutes(120),
        max_active_bookings_per_customer: 1_000,
        requires_confirmation: false,
        phone_region: PhoneRegion::new("DE").unwrap(),
    })
    .unwrap()
}

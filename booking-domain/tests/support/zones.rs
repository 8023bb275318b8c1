//! The time zones calendars are generated in, and the local days on which
//! their clocks change.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// Zones with daylight-saving time that the issue names, plus Santiago,
/// whose clocks change at midnight, so a local day can lack its 00:00 or
/// repeat its last hour.
pub(crate) const DST_ZONES: [Tz; 4] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::Santiago,
];

/// Every zone random calendars use: the DST zones, zones without DST, and
/// zones whose offsets are not whole hours.
pub(crate) const ZONES: [Tz; 8] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::Santiago,
    chrono_tz::Europe::Moscow,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Asia::Kathmandu,
    chrono_tz::UTC,
];

/// The first and last years the generators draw days from.
pub(crate) const FIRST_YEAR: i32 = 2025;
pub(crate) const LAST_YEAR: i32 = 2028;

fn offset_seconds(tz: Tz, at: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

/// The local days of [`FIRST_YEAR`]..=[`LAST_YEAR`] on which `tz` changes its
/// offset: the local date just before and just after each change (the same
/// day except where clocks change at midnight).
pub(crate) fn transition_days(tz: Tz) -> &'static [NaiveDate] {
    static CACHE: OnceLock<HashMap<Tz, Vec<NaiveDate>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        ZONES
            .iter()
            .map(|&zone| (zone, scan_transitions(zone)))
            .collect()
    });
    cache.get(&tz).map(Vec::as_slice).unwrap_or(&[])
}

fn scan_transitions(tz: Tz) -> Vec<NaiveDate> {
    let start = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let end = NaiveDate::from_ymd_opt(LAST_YEAR + 1, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let mut days = Vec::new();
    let mut from = start;
    while from < end {
        let to = from + Duration::hours(6);
        if offset_seconds(tz, from) != offset_seconds(tz, to) {
            // Bisect to the minute of the change.
            let (mut lo, mut hi) = (from, to);
            while hi - lo > Duration::minutes(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_seconds(tz, mid) == offset_seconds(tz, lo) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            days.push(lo.with_timezone(&tz).date_naive());
            days.push(hi.with_timezone(&tz).date_naive());
        }
        from = to;
    }
    days.sort();
    days.dedup();
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_days_are_found_for_each_dst_zone() {
        let berlin = transition_days(chrono_tz::Europe::Berlin);
        assert!(berlin.contains(&NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()));
        assert!(berlin.contains(&NaiveDate::from_ymd_opt(2026, 10, 25).unwrap()));
        for zone in DST_ZONES {
            // Two changes a year, one or two days each.
            let found = transition_days(zone).len();
            let years = (LAST_YEAR - FIRST_YEAR + 1) as usize;
            assert!(found >= 2 * years, "{zone}: {found}");
        }
        assert!(transition_days(chrono_tz::Asia::Kolkata).is_empty());
    }
}

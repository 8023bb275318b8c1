//! Statistics of a period and the export's caption.

use booking_domain::Money;
use booking_ports::Period;
use booking_ports::engine::{Rate, Statistics};

use crate::i18n::{Msg, Text};
use crate::telegram::Screen;
use crate::ui::format;

/// The statistics of a period.
pub fn statistics(t: &Text<'_>, stats: &Statistics) -> Screen {
    let s = &stats.by_status;
    let n = |v: usize| v as i64;
    Screen::text(t.with(
        Msg::AdminStats,
        &[
            ("first", format::day(t, stats.period.first()).into()),
            ("last", format::day(t, stats.period.last()).into()),
            ("total", n(stats.total).into()),
            ("pending", n(s.pending).into()),
            ("confirmed", n(s.confirmed).into()),
            ("completed", n(s.completed).into()),
            ("noshow", n(s.no_show).into()),
            ("cancelled", n(s.cancelled).into()),
            ("moved", n(s.rescheduled).into()),
            ("revenue", sums(&stats.revenue).into()),
            ("expected", sums(&stats.expected_revenue).into()),
            ("top", top(stats).into()),
            ("new", n(stats.new_customers).into()),
            ("returning", n(stats.returning_customers).into()),
            ("cancelrate", rate(&stats.cancellation_rate).into()),
            ("noshowrate", rate(&stats.no_show_rate).into()),
        ],
    ))
}

/// "50% (1/2)", or a dash when there is nothing to divide by.
fn rate(r: &Rate) -> String {
    match r.percent() {
        Some(p) => format!("{p:.0}% ({}/{})", r.count, r.out_of),
        None => "—".to_owned(),
    }
}

/// One sum per currency.
fn sums(sums: &[Money]) -> String {
    if sums.is_empty() {
        return "0".to_owned();
    }
    sums.iter()
        .map(|m| format::price(*m))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The most booked services with their counts.
fn top(stats: &Statistics) -> String {
    if stats.top_services.is_empty() {
        return "—".to_owned();
    }
    stats
        .top_services
        .iter()
        .map(|c| {
            let name = c
                .name
                .as_ref()
                .map_or_else(|| format!("#{}", c.service.get()), ToString::to_string);
            format!("{name} — {}", c.bookings)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The caption of the CSV export of `period` with `rows` rows.
pub fn export_caption(t: &Text<'_>, period: Period, rows: usize) -> String {
    t.with(
        Msg::AdminExportCaption,
        &[
            ("first", format::day(t, period.first()).into()),
            ("last", format::day(t, period.last()).into()),
            ("count", (rows as i64).into()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use booking_domain::{Currency, Money, ServiceId, ServiceName};
    use booking_ports::engine::{ServiceCount, StatusCounts};
    use chrono::NaiveDate;

    use super::*;
    use crate::i18n::Language;
    use crate::ui::admin::fixtures::english;

    fn june(first: u32, last: u32) -> Period {
        let day = |d| NaiveDate::from_ymd_opt(2030, 6, d).unwrap();
        Period::new(day(first), day(last)).unwrap()
    }

    #[test]
    fn statistics_name_every_figure_and_dash_what_cannot_be_divided() {
        let locales = english();
        let t = locales.text(Language::English);
        let rub = Currency::new("RUB").unwrap();
        let stats = Statistics {
            period: june(3, 9),
            total: 2,
            by_status: StatusCounts {
                confirmed: 1,
                cancelled: 1,
                ..StatusCounts::default()
            },
            revenue: vec![Money::new(120_000, rub).unwrap()],
            expected_revenue: vec![Money::new(250_000, rub).unwrap()],
            new_customers: 2,
            returning_customers: 0,
            top_services: vec![ServiceCount {
                service: ServiceId::new(1).unwrap(),
                name: Some(ServiceName::new("Haircut").unwrap()),
                bookings: 1,
            }],
            cancellation_rate: Rate {
                count: 1,
                out_of: 2,
            },
            no_show_rate: Rate {
                count: 0,
                out_of: 0,
            },
        };
        let text = statistics(&t, &stats).text;
        assert!(
            text.starts_with("Statistics Mon 3 Jun – Sun 9 Jun"),
            "{text}"
        );
        assert!(text.contains(
            "Bookings: 2 (pending 0, confirmed 1, completed 0, no-show 0, cancelled 1, moved 0)"
        ));
        assert!(text.contains("Revenue (completed visits): 1200 RUB"));
        assert!(text.contains("Expected (confirmed visits to come): 2500 RUB"));
        assert!(text.contains("Top services: Haircut — 1"));
        assert!(text.contains("Cancellation rate: 50% (1/2)"));
        assert!(text.contains("No-show rate: —"));
    }

    #[test]
    fn the_export_caption_counts_rows() {
        let locales = english();
        let t = locales.text(Language::English);
        assert_eq!(
            export_caption(&t, june(1, 30), 1),
            "Bookings Sat 1 Jun – Sun 30 Jun: 1 row."
        );
    }
}

//! Blocked periods (time off): what the ranged `/block` with hours stored,
//! and the `/blocks` list with a remove button per block.

use booking_domain::{CancelReason, LocalTimeRange, StaffId, StaffMember, TimeOff};
use booking_ports::engine::Period;
use chrono_tz::Tz;
use teloxide::types::InlineKeyboardMarkup;

use super::{button, who};
use crate::admin::callback::AdminCallback;
use crate::i18n::{Msg, Text};
use crate::limits;
use crate::telegram::Screen;
use crate::ui::format;

/// What `/block` with hours over several days stored.
#[derive(Debug, Clone, Copy)]
pub struct DailyBlocked {
    pub hours: LocalTimeRange,
    pub days: Period,
    pub staff: Option<StaffId>,
    /// How many blocks were stored (one a day, as the clocks allow).
    pub blocks: usize,
}

/// "Blocked 12:00-13:00 on each day from … to … for … (5 blocks)."
pub fn blocked_daily(t: &Text<'_>, done: &DailyBlocked) -> String {
    t.with(
        Msg::AdminBlockedDaily,
        &[
            ("hours", done.hours.to_string().into()),
            ("first", format::day(t, done.days.first()).into()),
            ("last", format::day(t, done.days.last()).into()),
            ("who", who(t, done.staff).into()),
            ("count", (done.blocks as i64).into()),
        ],
    )
}

/// What the `/blocks` list shows.
#[derive(Debug, Clone)]
pub struct BlockList<'a> {
    pub tz: Tz,
    /// The upcoming blocks, by start.
    pub blocks: &'a [TimeOff],
    /// Every staff member, for their names.
    pub members: &'a [StaffMember],
    /// What the last press did, shown first.
    pub notice: Option<String>,
}

/// The most blocks listed, each with its button: a month of daily blocks
/// fits, and the text and keyboard stay well within Telegram's limits.
pub const MAX_LISTED: usize = 31;

/// The upcoming blocks, a line and a remove button each.
pub fn block_list(t: &Text<'_>, list: &BlockList<'_>) -> Screen {
    let mut text = list
        .notice
        .as_ref()
        .map(|n| format!("{n}\n\n"))
        .unwrap_or_default();
    if list.blocks.is_empty() {
        text.push_str(&t.get(Msg::AdminBlocksEmpty));
        return Screen::text(text);
    }
    text.push_str(&t.with(
        Msg::AdminBlocksTitle,
        &[("count", (list.blocks.len() as i64).into())],
    ));
    let mut rows = Vec::new();
    for block in list.blocks.iter().take(MAX_LISTED) {
        text.push('\n');
        text.push_str(&line(t, list, block));
        let label = t.with(
            Msg::AdminBtnUnblock,
            &[
                ("id", block.id().get().into()),
                (
                    "when",
                    format::when(t, block.period().start(), list.tz).into(),
                ),
            ],
        );
        rows.push(vec![button(label, AdminCallback::Unblock(block.id()))]);
    }
    if list.blocks.len() > MAX_LISTED {
        text.push_str("\n\n");
        text.push_str(&t.with(
            Msg::AdminBlocksMore,
            &[("count", ((list.blocks.len() - MAX_LISTED) as i64).into())],
        ));
    }
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// "#3 Tue 4 Jun, 11:00 – Tue 4 Jun, 15:00 · Anna · Training".
fn line(t: &Text<'_>, list: &BlockList<'_>, block: &TimeOff) -> String {
    let spec = block.spec();
    let whose = match spec.staff {
        Some(id) => list
            .members
            .iter()
            .find(|m| m.id() == id)
            .map_or_else(|| who(t, Some(id)), |m| m.name().to_string()),
        None => t.get(Msg::AdminEveryone),
    };
    let mut line = format!(
        "#{} {} – {} · {}",
        block.id().get(),
        format::when(t, block.period().start(), list.tz),
        format::when(t, block.period().end(), list.tz),
        whose
    );
    if let Some(reason) = &spec.reason {
        line.push_str(" · ");
        line.push_str(&short_reason(reason));
    }
    line
}

/// The longest reason shown in a list, in UTF-16 units: enough to tell
/// blocks apart, short enough that a month of blocks fits one message.
const REASON_UNITS: usize = 40;

/// A block's reason on one line, cut for a list.
pub fn short_reason(reason: &CancelReason) -> String {
    let one_line = reason
        .expose()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    limits::truncate(&one_line, REASON_UNITS)
}

#[cfg(test)]
mod tests {
    use booking_domain::{Interval, TimeOffId, TimeOffSpec};

    use super::*;
    use crate::i18n::Language;
    use crate::ui::admin::fixtures::{anna, callbacks, english, local, tz};

    fn block(id: i64, day: u32, staff: Option<StaffId>, reason: Option<&str>) -> TimeOff {
        TimeOff::new(
            TimeOffId::new(id).unwrap(),
            TimeOffSpec {
                staff,
                period: Interval::new(local(day, 12), local(day, 13)).unwrap(),
                reason: reason.map(|r| CancelReason::new(r).unwrap()),
            },
        )
        .unwrap()
    }

    #[test]
    fn each_block_gets_a_line_and_a_remove_button_and_long_lists_are_cut() {
        let locales = english();
        let t = locales.text(Language::English);
        let long_reason = "Training in the city centre, then a long lunch with suppliers";
        let blocks = [
            block(3, 4, Some(anna().id()), Some(long_reason)),
            block(4, 5, None, None),
        ];
        let members = [anna()];
        let screen = block_list(
            &t,
            &BlockList {
                tz: tz(),
                blocks: &blocks,
                members: &members,
                notice: None,
            },
        );
        assert_eq!(
            screen.text,
            "Upcoming blocked periods (2):\n\
             #3 Tue 4 Jun, 12:00 – Tue 4 Jun, 13:00 · Anna · Training in the city centre, then a lon…\n\
             #4 Wed 5 Jun, 12:00 – Wed 5 Jun, 13:00 · all staff"
        );
        assert_eq!(
            callbacks(&screen),
            [
                (
                    "🗑 Remove #3 (Tue 4 Jun, 12:00)".to_owned(),
                    "ub:3".to_owned()
                ),
                (
                    "🗑 Remove #4 (Wed 5 Jun, 12:00)".to_owned(),
                    "ub:4".to_owned()
                ),
            ]
        );

        let many: Vec<TimeOff> = (1..=40).map(|id| block(id, 4, None, None)).collect();
        let screen = block_list(
            &t,
            &BlockList {
                tz: tz(),
                blocks: &many,
                members: &members,
                notice: Some("Block #41 removed; that time is open again.".to_owned()),
            },
        );
        assert!(screen.text.starts_with("Block #41 removed"));
        assert!(
            screen
                .text
                .ends_with("9 later blocks are not listed; remove some above to see them.")
        );
        assert_eq!(callbacks(&screen).len(), MAX_LISTED);
        assert!(limits::units(&screen.text) <= limits::MAX_TEXT_UNITS);
    }

    #[test]
    fn a_daily_block_says_its_hours_days_and_count() {
        let locales = english();
        let t = locales.text(Language::English);
        let done = blocked_daily(
            &t,
            &DailyBlocked {
                hours: LocalTimeRange::parse("12:00-13:00").unwrap(),
                days: Period::new(
                    chrono::NaiveDate::from_ymd_opt(2030, 6, 4).unwrap(),
                    chrono::NaiveDate::from_ymd_opt(2030, 6, 6).unwrap(),
                )
                .unwrap(),
                staff: None,
                blocks: 3,
            },
        );
        assert_eq!(
            done,
            "Blocked 12:00-13:00 on each day from Tue 4 Jun to Thu 6 Jun for all staff \
             (3 blocks; /blocks lists them)."
        );
    }
}

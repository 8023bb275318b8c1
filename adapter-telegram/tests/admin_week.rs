//! The admin bot's week view and blocked periods through the real handler
//! tree and teloxide_tests' mock Bot API: `/week` with its day, week and
//! staff buttons, the blocked periods in the day view, every form of
//! `/block`, and `/blocks` with its remove buttons, stale and forged ones
//! included.
//!
//! One binary: teloxide_tests allows one MockBot per process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use booking_domain::{Interval, TimeOff};
use booking_ports::{StaffActor, StaffUser};

mod admin_support;
use admin_support::*;

async fn upcoming(h: &Harness) -> Vec<TimeOff> {
    let actor = StaffActor::authenticated(
        StaffUser::new(OWNER as i64),
        None,
        booking_ports::StaffRole::Owner,
    );
    h.engine.upcoming_blocks(&actor).await.unwrap()
}

fn periods(blocks: &[TimeOff]) -> Vec<Interval> {
    blocks.iter().map(TimeOff::period).collect()
}

#[tokio::test]
async fn the_week_shows_each_day_at_a_glance_and_its_buttons_open_a_day_or_another_week() {
    let mut h = Harness::new(allow_list()).await;
    h.book(9001, "Ivan Petrov", local(4, 12, 0)).await;
    h.book(9002, "Olga Sidorova", local(4, 15, 0)).await;
    h.send(OWNER, "/block 1 2030-06-04 13:00-14:00 Training")
        .await;

    let week = h.send(OWNER, "/week").await;
    let shown = text(&week);
    assert!(
        shown.starts_with("Week Mon 3 Jun – Sun 9 Jun · all staff\n\nMon 3 Jun\n"),
        "{shown}"
    );
    // Monday: now is 10:00, Anna works 10:00-19:00.
    assert!(
        shown.contains("Mon 3 Jun\nAnna: no bookings · free 10:00–19:00\n"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "Tue 4 Jun\nAnna: 2 bookings, first 12:00, last 15:00 · \
             free 10:00–12:00, 14:00–15:00, 16:00–19:00 · blocked 13:00–14:00\n"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("Sat 8 Jun\nAnna: no bookings · not working"),
        "{shown}"
    );
    assert!(!shown.contains("Ivan"), "no customer data in the summary");

    let day = h.press(OWNER, &screen(&week), "Tue 4 Jun").await;
    let day_text = text(&day);
    assert!(
        day_text.starts_with("Tue 4 Jun · all staff · 2 bookings"),
        "{day_text}"
    );
    assert!(
        day_text.contains(
            "⛔ Blocked Tue 4 Jun, 13:00 – Tue 4 Jun, 14:00 for Anna (block #1) · Training"
        ),
        "the day view shows blocked time beside bookings: {day_text}"
    );
    assert!(day_text.contains("Ivan Petrov, +79161234567"));

    let next = h.press(OWNER, &screen(&week), "Next week").await;
    let next_text = text(&next);
    assert!(
        next_text.starts_with("Week Mon 10 Jun – Sun 16 Jun · all staff"),
        "{next_text}"
    );
    let back = h.press(OWNER, &screen(&next), "◀️ Previous week").await;
    assert!(text(&back).starts_with("Week Mon 3 Jun – Sun 9 Jun"));

    let anna = h.press(OWNER, &screen(&back), "Anna").await;
    let anna_text = text(&anna);
    assert!(
        anna_text.starts_with("Week Mon 3 Jun – Sun 9 Jun · Anna"),
        "{anna_text}"
    );
    assert!(
        anna_text.contains("\n\nTue 4 Jun\n2 bookings, first 12:00, last 15:00 · "),
        "one member's week names nobody on each line: {anna_text}"
    );
    let only_anna = h.press(OWNER, &screen(&anna), "Wed 5 Jun").await;
    assert!(text(&only_anna).starts_with("Wed 5 Jun · Anna · 0 bookings"));
}

#[tokio::test]
async fn week_takes_a_staff_id_and_refuses_anything_else() {
    let mut h = Harness::new(allow_list()).await;
    let one = text(&h.send(OWNER, "/week 1").await);
    assert!(
        one.starts_with("Week Mon 3 Jun – Sun 9 Jun · Anna"),
        "{one}"
    );
    assert!(
        one.contains("\n\nMon 3 Jun\nno bookings · free 10:00–19:00"),
        "{one}"
    );
    assert_eq!(
        text(&h.send(OWNER, "/week 9").await),
        "There is no staff member 9."
    );
    assert!(
        text(&h.send(OWNER, "/week Anna").await).starts_with("Usage: /week"),
        "usage"
    );
    // Strangers see nothing of the schedule.
    let stranger = h.send(STRANGER, "/week").await;
    assert!(!text(&stranger).contains("Week"));
}

#[tokio::test]
async fn every_form_of_block_stores_what_it_says() {
    let mut h = Harness::new(allow_list()).await;
    let colliding = h.book(9001, "Ivan Petrov", local(5, 12, 0)).await;
    h.book(9002, "Olga Sidorova", local(5, 15, 0)).await;

    // Hours on each day of a range: three lunches, not three days.
    let daily = text(
        &h.send(OWNER, "/block 1 2030-06-04..2030-06-06 12:00-13:00 Lunch")
            .await,
    );
    assert!(
        daily.starts_with(
            "Blocked 12:00-13:00 on each day from Tue 4 Jun to Thu 6 Jun for #1 \
             (3 blocks; /blocks lists them)."
        ),
        "{daily}"
    );
    assert!(daily.contains("1 booking collides with it and still stands:"));
    assert!(daily.contains(&format!("#{} ", colliding.booking.id().get())));
    assert!(!daily.contains("Olga"));
    assert_eq!(
        periods(&upcoming(&h).await),
        (4..=6)
            .map(|d| Interval::new(local(d, 12, 0), local(d, 13, 0)).unwrap())
            .collect::<Vec<_>>()
    );

    // Hours of one day.
    let hours = text(&h.send(OWNER, "/block all 2030-06-07 10:00-11:30").await);
    assert!(
        hours.starts_with(
            "Blocked Fri 7 Jun, 10:00 – Fri 7 Jun, 11:30 for all staff (block #4).\n\n\
             No bookings collide with it."
        ),
        "{hours}"
    );
    // A whole day.
    let day = text(&h.send(OWNER, "/block 1 2030-06-10 Training").await);
    assert!(
        day.starts_with("Blocked Mon 10 Jun, 00:00 – Tue 11 Jun, 00:00 for #1 (block #5)."),
        "{day}"
    );
    // Whole days of a range: one stretch.
    let days = text(&h.send(OWNER, "/block all 2030-06-12..2030-06-14").await);
    assert!(
        days.starts_with("Blocked Wed 12 Jun, 00:00 – Sat 15 Jun, 00:00 for all staff (block #6)."),
        "{days}"
    );
    let stored = periods(&upcoming(&h).await);
    assert_eq!(stored.len(), 6);
    assert_eq!(
        stored[3..],
        [
            Interval::new(local(7, 10, 0), local(7, 11, 30)).unwrap(),
            Interval::new(local(10, 0, 0), local(11, 0, 0)).unwrap(),
            Interval::new(local(12, 0, 0), local(15, 0, 0)).unwrap(),
        ]
    );

    // What is refused stores nothing.
    for (command, answer) in [
        ("/block 1 2030-06-06..2030-06-04", "Usage: /block"),
        ("/block 1 2030-06-04 15:00-12:00", "Usage: /block"),
        ("/block 1", "Usage: /block"),
        (
            "/block 7 2030-06-04 12:00-13:00",
            "There is no staff member 7.",
        ),
        (
            "/block 1 2030-06-04..2031-06-05 12:00-13:00",
            "That period cannot be blocked",
        ),
        (
            "/block all 2030-06-04..2031-06-05",
            "That period cannot be blocked",
        ),
    ] {
        let shown = text(&h.send(OWNER, command).await);
        assert!(shown.starts_with(answer), "{command}: {shown}");
    }
    assert_eq!(upcoming(&h).await.len(), 6);
}

#[tokio::test]
async fn blocks_lists_upcoming_periods_and_each_button_removes_one_checked_by_the_server() {
    let mut h = Harness::new(allow_list()).await;
    assert_eq!(
        text(&h.send(OWNER, "/blocks").await),
        "No upcoming blocked periods."
    );
    h.send(OWNER, "/block 1 2030-06-04 13:00-14:00 Training")
        .await;
    h.send(OWNER, "/block all 2030-06-05").await;

    let list = h.send(OWNER, "/blocks").await;
    assert_eq!(
        text(&list),
        "Upcoming blocked periods (2):\n\
         #1 Tue 4 Jun, 13:00 – Tue 4 Jun, 14:00 · Anna · Training\n\
         #2 Wed 5 Jun, 00:00 – Thu 6 Jun, 00:00 · all staff"
    );
    let listed = screen(&list);
    assert_eq!(
        button_data(&listed, "🗑 Remove #1 (Tue 4 Jun, 13:00)"),
        "ub:1"
    );

    // A stranger's press removes nothing.
    let forged = h.press(STRANGER, &listed, "🗑 Remove #1").await;
    assert!(nothing_shown(&forged));
    assert_eq!(upcoming(&h).await.len(), 2);

    let removed = h.press(OWNER, &listed, "🗑 Remove #1").await;
    assert_eq!(
        text(&removed),
        "Block #1 removed; that time is open again.\n\n\
         Upcoming blocked periods (1):\n\
         #2 Wed 5 Jun, 00:00 – Thu 6 Jun, 00:00 · all staff"
    );
    assert_eq!(
        removed.answered_callback_queries[0].text.as_deref(),
        Some("Block #1 removed; that time is open again.")
    );
    let left = upcoming(&h).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id().get(), 2);

    // The same button pressed again on the old list: gone, said clearly.
    let stale = h.press(OWNER, &listed, "🗑 Remove #1").await;
    assert_eq!(
        stale.answered_callback_queries[0].text.as_deref(),
        Some("Block #1 no longer exists; nothing was removed.")
    );
    assert!(text(&stale).contains("#2 Wed 5 Jun"));
    // Ids no button ever carried, and data no button could carry.
    let made_up = h.press_data(OWNER, &listed, "ub:999").await;
    assert_eq!(
        made_up.answered_callback_queries[0].text.as_deref(),
        Some("Block #999 no longer exists; nothing was removed.")
    );
    let garbage = h.press_data(OWNER, &listed, "ub:-2").await;
    assert_eq!(
        garbage.answered_callback_queries[0].text.as_deref(),
        Some("This button has expired.")
    );
    assert_eq!(upcoming(&h).await.len(), 1);

    let last = h.press(OWNER, &screen(&made_up), "🗑 Remove #2").await;
    assert_eq!(
        text(&last),
        "Block #2 removed; that time is open again.\n\nNo upcoming blocked periods."
    );
    assert!(upcoming(&h).await.is_empty());
}

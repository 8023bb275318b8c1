//! The admin bot through the real handler tree and teloxide_tests' mock
//! Bot API: access (allow-list, group chats, PIN, lockout across a restart,
//! session expiry, logout), the day view, every booking action, a stale
//! action after a customer's change, a blocked period with collisions,
//! statistics and the CSV export, and the order in which commands and
//! text steps are routed.
//!
//! One binary: teloxide_tests allows one MockBot per process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapter_telegram::admin::{AdminBotConfig, PinHash, hash_pin};
use booking_domain::{BookingStatus, CustomerId, ServiceId, StaffChoice};
use chrono::Duration;
use teloxide_tests::{MockGroupChat, MockPrivateChat};

mod admin_support;
use admin_support::*;

#[tokio::test]
async fn strangers_get_one_refusal_and_nothing_else_while_whoami_works_for_anyone() {
    let mut h = Harness::new(allow_list()).await;
    h.book(9001, "Ivan Petrov", local(3, 12, 0)).await;

    let first = h.send(STRANGER, "/today").await;
    assert_eq!(
        text(&first),
        "Sorry, this bot is for the staff of the business only."
    );
    let again = h.send(STRANGER, "/today").await;
    assert!(nothing_shown(&again));
    let who = h.send(STRANGER, "/whoami").await;
    assert_eq!(text(&who), format!("Your Telegram user id is {STRANGER}."));

    // A button copied from a staff screen does nothing for them either.
    let day = screen(&h.send(OWNER, "/today").await);
    assert!(day.text().unwrap().contains("Ivan Petrov, +79161234567"));
    let pressed = h.press(STRANGER, &day, "#").await;
    assert!(nothing_shown(&pressed));
    assert_eq!(pressed.answered_callback_queries.len(), 1);
    assert_eq!(pressed.answered_callback_queries[0].text, None);
}

#[tokio::test]
async fn a_group_chat_admits_nobody_and_the_user_id_decides() {
    let mut h = Harness::new(allow_list()).await;
    h.book(9001, "Ivan Petrov", local(3, 12, 0)).await;

    // Staff writing in a group: no booking data goes there.
    let group = MockGroupChat::new().id(-100_500).build();
    let in_group = h.send_in(OWNER, group, "/today").await;
    assert!(nothing_shown(&in_group));
    // A stranger whose update carries the owner's chat id is still a stranger.
    let forged = MockPrivateChat::new().id(OWNER as i64).build();
    let refused = h.send_in(STRANGER, forged, "/today").await;
    assert_eq!(
        text(&refused),
        "Sorry, this bot is for the staff of the business only."
    );
}

/// A config reload replaces the allow-list of the running bot: a newcomer
/// is let in at once and someone taken off it is refused at their next
/// message; settings that would admit nobody are refused and change nothing.
#[tokio::test]
async fn a_new_allow_list_takes_effect_without_a_restart() {
    const NEWCOMER: u64 = 501;
    let mut h = Harness::new(allow_list()).await;
    assert_eq!(
        text(&h.send(NEWCOMER, "/today").await),
        "Sorry, this bot is for the staff of the business only."
    );

    h.access()
        .set_config(AdminBotConfig::new([OWNER as i64, NEWCOMER as i64], None).unwrap())
        .unwrap();
    let admitted = text(&h.send(NEWCOMER, "/today").await);
    assert!(admitted.contains("Mon 3 Jun"), "{admitted}");

    h.access()
        .set_config(AdminBotConfig::new([NEWCOMER as i64], None).unwrap())
        .unwrap();
    assert_eq!(
        text(&h.send(OWNER, "/today").await),
        "Sorry, this bot is for the staff of the business only."
    );

    let mut nobody = AdminBotConfig::new([NEWCOMER as i64], None).unwrap();
    nobody.allowed_users.clear();
    assert!(h.access().set_config(nobody).is_err());
    let still = text(&h.send(NEWCOMER, "/today").await);
    assert!(still.contains("Mon 3 Jun"), "{still}");
}

#[tokio::test]
async fn the_pin_signs_in_ten_wrong_ones_lock_out_across_a_restart_and_sessions_expire() {
    let phc = hash_pin("482913", Some("test-pepper")).unwrap();
    let mut config =
        AdminBotConfig::new([OWNER as i64], Some(PinHash::parse(&phc).unwrap())).unwrap();
    config.pepper = Some("test-pepper".to_owned().into());
    config.session_lifetime = Duration::hours(8);
    let mut h = Harness::new(config).await;

    assert_eq!(
        text(&h.send(OWNER, "/today").await),
        "Please send your PIN to sign in."
    );
    assert_eq!(
        text(&h.send(OWNER, "111111").await),
        "Wrong PIN. 9 attempts left before a lockout."
    );
    for _ in 0..8 {
        h.send(OWNER, "111111").await;
    }
    let tenth = h.send(OWNER, "111111").await;
    // Locked until an hour after the first failure, 10:00 Moscow.
    assert_eq!(
        text(&tenth),
        "Too many wrong PINs. You can try again after Mon 3 Jun, 11:00."
    );

    h.restart();
    h.clock.advance(Duration::minutes(30));
    let still = h.send(OWNER, "482913").await;
    assert_eq!(
        text(&still),
        "Too many wrong PINs. You can try again after Mon 3 Jun, 11:00."
    );

    h.clock.advance(Duration::minutes(30));
    let signed_in = h.send(OWNER, "482913").await;
    assert!(
        text(&signed_in).starts_with("Signed in until Mon 3 Jun, 19:00."),
        "{}",
        text(&signed_in)
    );
    h.restart();
    assert!(text(&h.send(OWNER, "/today").await).starts_with("Mon 3 Jun · all staff · 0 bookings"));

    h.clock.advance(Duration::hours(8));
    assert_eq!(
        text(&h.send(OWNER, "/today").await),
        "Please send your PIN to sign in."
    );
    h.send(OWNER, "482913").await;
    assert_eq!(
        text(&h.send(OWNER, "/logout").await),
        "Signed out. Send your PIN to sign in again."
    );
    assert_eq!(
        text(&h.send(OWNER, "/today").await),
        "Please send your PIN to sign in."
    );
}

#[tokio::test]
async fn the_day_view_lists_bookings_unmasked_by_time_with_filters_and_pages() {
    let mut config = allow_list();
    config.page_size = 2;
    let mut h = Harness::new(config).await;
    h.book(9002, "Olga Sidorova", local(4, 15, 0)).await;
    h.book(9001, "Ivan Petrov", local(4, 11, 0)).await;
    h.book(9003, "Pavel Orlov", local(4, 17, 0)).await;

    let day = h.send(OWNER, "/tomorrow").await;
    let shown = text(&day);
    assert!(
        shown.starts_with("Tue 4 Jun · all staff · 3 bookings"),
        "{shown}"
    );
    let ivan = shown.find("Ivan Petrov, +79161234567").unwrap();
    let olga = shown.find("Olga Sidorova, +79161234567").unwrap();
    assert!(ivan < olga);
    assert!(shown.contains("11:00–12:00 · Haircut · Anna"));
    assert!(shown.contains("💬 Short, please"));
    assert!(!shown.contains("Pavel"));
    assert!(shown.ends_with("Page 1 of 2"));

    let next = h.press(OWNER, &screen(&day), "Later").await;
    assert!(text(&next).contains("Pavel Orlov"));
    let anna_only = h.press(OWNER, &screen(&next), "Anna").await;
    assert!(text(&anna_only).starts_with("Tue 4 Jun · Anna · 3 bookings"));
    let usage = h.send(OWNER, "/day tomorrow").await;
    assert!(text(&usage).starts_with("Usage: /day YYYY-MM-DD"));
}

#[tokio::test]
async fn staff_confirm_cancel_with_a_reason_complete_mark_no_shows_and_reschedule() {
    let mut h = Harness::new(allow_list()).await;
    h.engine.set_policy(policy(true));
    let pending = h.book(9001, "Ivan Petrov", local(4, 11, 0)).await;
    h.engine.set_policy(policy(false));
    let later = h.book(9002, "Olga Sidorova", local(4, 15, 0)).await;

    // Confirm.
    let day = screen(&h.send(OWNER, "/tomorrow").await);
    let card = h
        .press(OWNER, &day, &format!("#{}", pending.booking.id().get()))
        .await;
    assert!(text(&card).contains("Status: pending"));
    let confirmed = h.press(OWNER, &screen(&card), "✅ Confirm").await;
    assert!(text(&confirmed).starts_with("Confirmed; the customer is told."));
    assert_eq!(h.status(&pending).await, BookingStatus::Confirmed);
    // The card keeps the trail: who booked, who confirmed, and when.
    assert!(
        text(&confirmed).contains("\nBooked by: the customer, Mon 3 Jun, "),
        "{}",
        text(&confirmed)
    );
    assert!(
        text(&confirmed).contains("\nConfirmed by: owner (Telegram id 500), Mon 3 Jun, "),
        "{}",
        text(&confirmed)
    );

    // Reschedule on the customer's behalf: 11:00 -> 13:00 the same day.
    let days = h.press(OWNER, &screen(&confirmed), "Reschedule").await;
    let times = h.press(OWNER, &screen(&days), "Tue 4 Jun").await;
    let moved = h.press(OWNER, &screen(&times), "13:00").await;
    assert!(
        text(&moved).starts_with("Moved to Tue 4 Jun, 13:00; the customer is told."),
        "{}",
        text(&moved)
    );
    assert!(matches!(
        h.status(&pending).await,
        BookingStatus::Rescheduled { .. }
    ));

    // Cancel with a reason.
    let card = screen(&h.press(OWNER, &screen(&moved), "⬅️ Day view").await);
    let card = h
        .press(OWNER, &card, &format!("#{}", later.booking.id().get()))
        .await;
    let asked = h.press(OWNER, &screen(&card), "✖️ Cancel booking").await;
    assert!(text(&asked).starts_with("Write the reason for cancelling booking"));
    let done = h.send(OWNER, "Anna is ill, sorry").await;
    assert!(text(&done).starts_with("Cancelled; the customer is told."));
    assert!(text(&done).contains("Reason: Anna is ill, sorry"));
    assert!(
        text(&done).contains("\nStatus set by: owner (Telegram id 500), "),
        "{}",
        text(&done)
    );
    match h.status(&later).await {
        BookingStatus::Cancelled(c) => assert_eq!(c.reason.unwrap().expose(), "Anna is ill, sorry"),
        other => panic!("{other:?}"),
    }

    // Complete and no-show, once the visits started.
    let a = h.book(9003, "Pavel Orlov", local(3, 12, 0)).await;
    let b = h.book(9004, "Lev Tolstov", local(3, 14, 0)).await;
    h.clock.set(local(3, 15, 0));
    let today = screen(&h.send(OWNER, "/today").await);
    let card = h
        .press(OWNER, &today, &format!("#{}", a.booking.id().get()))
        .await;
    let completed = h.press(OWNER, &screen(&card), "Completed").await;
    assert!(text(&completed).starts_with("Marked as completed."));
    assert!(
        text(&completed).contains("\nStatus set by: owner (Telegram id 500), Mon 3 Jun, 15:00"),
        "{}",
        text(&completed)
    );
    let card = h
        .press(OWNER, &today, &format!("#{}", b.booking.id().get()))
        .await;
    let no_show = h.press(OWNER, &screen(&card), "No-show").await;
    assert!(text(&no_show).starts_with("Marked as a no-show."));
    assert_eq!(h.status(&a).await, BookingStatus::Completed);
    assert_eq!(h.status(&b).await, BookingStatus::NoShow);
}

#[tokio::test]
async fn a_stale_action_after_the_customer_changed_the_booking_shows_its_current_state() {
    let mut h = Harness::new(allow_list()).await;
    let booked = h.book(9001, "Ivan Petrov", local(4, 11, 0)).await;
    let day = screen(&h.send(OWNER, "/tomorrow").await);
    let card = screen(
        &h.press(OWNER, &day, &format!("#{}", booked.booking.id().get()))
            .await,
    );

    // Meanwhile the customer cancels it themselves.
    h.engine
        .cancel_my_booking(
            CustomerId::new(9001).unwrap(),
            booked.booking.id(),
            booked.booking.version(),
        )
        .await
        .unwrap();

    let stale = h.press(OWNER, &card, "Reschedule").await;
    assert!(text(&stale).starts_with("This booking changed meanwhile, so nothing was done."));
    assert!(text(&stale).contains("Status: cancelled"));
    assert_eq!(
        stale.answered_callback_queries[0].text.as_deref(),
        Some("The booking changed meanwhile.")
    );

    h.press(OWNER, &card, "✖️ Cancel booking").await;
    let refused = h.send(OWNER, "/skip").await;
    assert!(
        text(&refused).contains("This booking changed meanwhile"),
        "{}",
        text(&refused)
    );
}

#[tokio::test]
async fn blocking_a_period_lists_colliding_bookings_and_cancels_them_with_a_message() {
    let mut h = Harness::new(allow_list()).await;
    let inside = h.book(9001, "Ivan Petrov", local(4, 12, 0)).await;
    let outside = h.book(9002, "Olga Sidorova", local(4, 16, 0)).await;

    let blocked = h
        .send(OWNER, "/block 1 2030-06-04 11:00-15:00 Training")
        .await;
    let shown = text(&blocked);
    assert!(
        shown.starts_with("Blocked Tue 4 Jun, 11:00 – Tue 4 Jun, 15:00 for #1"),
        "{shown}"
    );
    assert!(shown.contains("1 booking collides with it and still stands:"));
    assert!(shown.contains("Ivan Petrov, +79161234567"));
    assert!(!shown.contains("Olga"));
    assert!(
        h.status(&inside).await.is_active(),
        "nothing is cancelled silently"
    );

    let asked = h
        .press(OWNER, &screen(&blocked), "Cancel them with a message")
        .await;
    assert!(text(&asked).starts_with("Write the message for the customers of these 1 booking"));
    let done = h.send(OWNER, "Sorry, Anna is at a training that day").await;
    assert_eq!(text(&done), "1 booking cancelled; the customers are told.");
    assert!(matches!(
        h.status(&inside).await,
        BookingStatus::Cancelled(_)
    ));
    assert!(h.status(&outside).await.is_active());
    // The period is blocked for new bookings too.
    let day = local(4, 0, 0).with_timezone(&tz()).date_naive();
    let free = h
        .engine
        .free_times(ServiceId::new(HAIRCUT).unwrap(), StaffChoice::Any, day)
        .await
        .unwrap();
    assert!(!free.is_empty());
    assert!(
        free.iter()
            .all(|f| f.start <= local(4, 10, 0) || f.start >= local(4, 15, 0))
    );
}

#[tokio::test]
async fn statistics_and_the_csv_export_cover_the_period() {
    let mut h = Harness::new(allow_list()).await;
    let a = h.book(9001, "Ivan \"Vanya\" Petrov", local(4, 11, 0)).await;
    h.book(9002, "Olga Sidorova", local(5, 11, 0)).await;
    h.engine
        .cancel_my_booking(
            CustomerId::new(9001).unwrap(),
            a.booking.id(),
            a.booking.version(),
        )
        .await
        .unwrap();

    let stats = text(&h.send(OWNER, "/stats week").await);
    assert!(
        stats.starts_with("Statistics Mon 3 Jun – Sun 9 Jun"),
        "{stats}"
    );
    assert!(
        stats.contains(
            "Bookings: 2 (pending 0, confirmed 1, completed 0, no-show 0, cancelled 1, moved 0)"
        ),
        "{stats}"
    );
    // Nothing completed yet; Olga's confirmed visit is still to come.
    assert!(stats.contains("Revenue (completed visits): 0\n"), "{stats}");
    assert!(
        stats.contains("Expected (confirmed visits to come): 2500 RUB"),
        "{stats}"
    );
    assert!(stats.contains("Cancellation rate: 50% (1/2)"));

    let export = h.send(OWNER, "/export 2030-06-01 2030-06-30").await;
    let document = export
        .sent_messages_document
        .last()
        .expect("a CSV document");
    assert_eq!(
        document.bot_request.file_name,
        "bookings-2030-06-01-2030-06-30.csv"
    );
    let lines: Vec<&str> = document.bot_request.file_data.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,date,start,end,status,service,staff,customer,phone,comment,price,created_at,\
         created_by,confirmed_by,confirmed_at,closed_by,closed_at"
    );
    // The trail: both made by their customers, confirmed at once (no
    // confirmation stamp), Ivan's cancelled by himself.
    assert!(
        lines[1].contains(",customer,,,customer,2030-06-03 "),
        "{}",
        lines[1]
    );
    assert!(lines[2].ends_with(",customer,,,,"), "{}", lines[2]);
    assert!(lines[1].starts_with(&format!("{},2030-06-04,11:00,12:00,cancelled,Haircut,Anna,\"Ivan \"\"Vanya\"\" Petrov\",\"'+79161234567\",\"Short, please\",2500 RUB,", a.booking.id().get())), "{}", lines[1]);
    assert!(lines[2].contains(",2030-06-05,11:00,12:00,confirmed,Haircut,Anna,Olga Sidorova,"));
    assert_eq!(lines.len(), 4, "header, two rows and the final line break");

    let mut small = allow_list();
    small.export_limit_bytes = 200;
    h.config = small;
    h.restart();
    let refused = h.send(OWNER, "/export month").await;
    assert!(refused.sent_messages_document.is_empty());
    assert_eq!(
        text(&refused),
        "This export would exceed Telegram's 50 MB limit for documents. Please choose a shorter period."
    );
}

/// The tree's order: a command with wrong arguments or an unknown one is
/// answered and keeps a step waiting for text; any other command, typed in
/// any case, leaves the step, and text outside a step shows the help.
#[tokio::test]
async fn a_waiting_step_survives_a_mistyped_command_and_ends_with_another() {
    let mut h = Harness::new(allow_list()).await;
    let first = h.book(9001, "Ivan Petrov", local(4, 11, 0)).await;
    let second = h.book(9002, "Olga Sidorova", local(4, 15, 0)).await;
    let day = screen(&h.send(OWNER, "/tomorrow").await);

    let card = h
        .press(OWNER, &day, &format!("#{}", first.booking.id().get()))
        .await;
    h.press(OWNER, &screen(&card), "✖️ Cancel booking").await;
    assert!(text(&h.send(OWNER, "/stats year").await).starts_with("Usage: /stats"));
    assert_eq!(
        text(&h.send(OWNER, "/drop").await),
        "Unknown command. /help lists them."
    );
    let done = h.send(OWNER, "Anna is ill, sorry").await;
    assert!(text(&done).starts_with("Cancelled; the customer is told."));
    assert!(matches!(
        h.status(&first).await,
        BookingStatus::Cancelled(_)
    ));

    let card = h
        .press(OWNER, &day, &format!("#{}", second.booking.id().get()))
        .await;
    h.press(OWNER, &screen(&card), "✖️ Cancel booking").await;
    let today = text(&h.send(OWNER, "/TODAY").await);
    assert!(today.starts_with("Mon 3 Jun · all staff"), "{today}");
    let help = text(&h.send(OWNER, "Anna is ill, sorry").await);
    assert!(help.starts_with("Commands:"), "{help}");
    assert!(h.status(&second).await.is_active());
}

/// A visit moves from one specialist to another: the card asks to whom,
/// then offers that specialist's days and times, and the booking lands
/// with them; the customer keeps their booking and is told.
#[tokio::test]
async fn staff_move_a_visit_to_another_specialist() {
    let mut h = Harness::new(allow_list()).await;
    let owner = booking_ports::StaffActor::authenticated(
        booking_ports::StaffUser::new(OWNER as i64),
        None,
        booking_ports::StaffRole::Owner,
    );
    let anna = h.engine.all_staff(&owner).await.unwrap().remove(0);
    let boris = h
        .engine
        .add_staff(
            &owner,
            booking_domain::StaffSpec {
                name: booking_domain::StaffName::new("Boris").unwrap(),
                ..anna.spec().clone()
            },
        )
        .await
        .unwrap();
    let haircut = h.engine.all_services(&owner).await.unwrap().remove(0);
    h.engine
        .update_service(
            &owner,
            haircut.id(),
            booking_domain::ServiceSpec {
                performers: vec![anna.id(), boris.id()],
                ..haircut.spec().clone()
            },
        )
        .await
        .unwrap();
    let booked = h.book(9001, "Ivan Petrov", local(4, 11, 0)).await;

    let day = screen(&h.send(OWNER, "/tomorrow").await);
    let card = screen(
        &h.press(OWNER, &day, &format!("#{}", booked.booking.id().get()))
            .await,
    );
    let whom = screen(&h.press(OWNER, &card, "Reschedule").await);
    assert_eq!(
        whom.text().unwrap(),
        format!(
            "Move booking #{} to which specialist?",
            booked.booking.id().get()
        )
    );
    let days = screen(&h.press(OWNER, &whom, "Boris").await);
    let times = screen(&h.press(OWNER, &days, "Tue 4 Jun").await);
    // Boris is free at Ivan's own time.
    let moved = h.press(OWNER, &times, "11:00").await;
    assert!(
        text(&moved).starts_with("Moved to Tue 4 Jun, 11:00; the customer is told."),
        "{}",
        text(&moved)
    );
    assert!(
        text(&moved).contains("Specialist: Boris"),
        "{}",
        text(&moved)
    );
    let BookingStatus::Rescheduled { to } = h.status(&booked).await else {
        panic!("the old booking is closed as moved");
    };
    let new = h.engine.booking_details(&owner, to).await.unwrap();
    assert_eq!(new.booking.staff(), boris.id());
    assert_eq!(new.booking.start(), local(4, 11, 0));
    assert_eq!(new.booking.customer(), Some(CustomerId::new(9001).unwrap()));
}

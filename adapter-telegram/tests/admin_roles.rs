//! Roles in the admin bot, tried as a salon owner with two stylists would:
//! each stylist sees only their own week and day and is told which role may
//! do the rest; a manager does all but the catalog; the owner sees both,
//! removes a block made by mistake, moves a visit from one stylist to the
//! other, and the CSV shows who did each thing.
//!
//! One binary: teloxide_tests allows one MockBot per process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use adapter_telegram::admin::AdminBotConfig;
use booking_domain::{BookingStatus, StaffId, StaffMember};
use booking_ports::{StaffActor, StaffRole, StaffUser};

mod admin_support;
use admin_support::*;

const ANNA_USER: u64 = 601;
const BORIS_USER: u64 = 602;
const MANAGER: u64 = 700;

const OWNER_ONLY: &str = "Only an owner can do this.";
const MANAGER_OR_OWNER: &str =
    "Only a manager or an owner can do this. Staff see and manage their own schedule.";

fn owner() -> StaffActor {
    StaffActor::authenticated(StaffUser::new(OWNER as i64), None, StaffRole::Owner)
}

/// The owner on the allow-list, a manager, and Anna and Boris as staff.
async fn salon() -> (Harness, StaffMember) {
    let mut config = AdminBotConfig::new([OWNER as i64], None).unwrap();
    config.managers.insert(MANAGER as i64);
    let h = Harness::new(config).await;
    let anna = h.engine.all_staff(&owner()).await.unwrap().remove(0);
    let boris = h
        .engine
        .add_staff(
            &owner(),
            booking_domain::StaffSpec {
                name: booking_domain::StaffName::new("Boris").unwrap(),
                ..anna.spec().clone()
            },
        )
        .await
        .unwrap();
    let haircut = h.engine.all_services(&owner()).await.unwrap().remove(0);
    h.engine
        .update_service(
            &owner(),
            haircut.id(),
            booking_domain::ServiceSpec {
                performers: vec![anna.id(), boris.id()],
                ..haircut.spec().clone()
            },
        )
        .await
        .unwrap();
    let mut config = h.config.clone();
    config.staff_members = BTreeMap::from([
        (ANNA_USER as i64, anna.id()),
        (BORIS_USER as i64, boris.id()),
    ]);
    h.access().set_config(config).unwrap();
    (h, boris)
}

#[tokio::test]
async fn each_stylist_sees_their_own_schedule_and_the_owner_runs_both() {
    let (mut h, boris) = salon().await;
    let ivan = h.book(9001, "Ivan Petrov", local(4, 11, 0)).await;
    let boris_id = boris.id().get();

    // Each stylist's week and day are their own, "all staff" or not.
    for (user, own, other) in [(ANNA_USER, "Anna", "Boris"), (BORIS_USER, "Boris", "Anna")] {
        let week = text(&h.send(user, "/week").await);
        assert!(
            week.starts_with(&format!("Week Mon 3 Jun – Sun 9 Jun · {own}\n")),
            "{week}"
        );
        assert!(!week.contains(other), "{week}");
    }
    let annas_day = text(&h.send(ANNA_USER, "/tomorrow").await);
    assert!(annas_day.contains("Ivan Petrov"), "{annas_day}");
    let boris_day = text(&h.send(BORIS_USER, "/tomorrow").await);
    assert!(!boris_day.contains("Ivan"), "{boris_day}");

    let help = text(&h.send(BORIS_USER, "/help").await);
    assert!(
        help.starts_with("Your role: staff (your own schedule"),
        "{help}"
    );
    assert!(help.contains("Commands for your own schedule:"), "{help}");
    assert!(!help.contains("/export"), "{help}");
    let help = text(&h.send(MANAGER, "/help").await);
    assert!(help.starts_with("Your role: manager"), "{help}");

    // Asking for the other's schedule, or the business's, is refused with
    // the role that may.
    for asked in [
        format!("/week {}", ANNA as u64),
        "/stats week".to_owned(),
        "/export week".to_owned(),
        "/customer Ivan".to_owned(),
        "/block all 2030-06-06".to_owned(),
    ] {
        assert_eq!(text(&h.send(BORIS_USER, &asked).await), MANAGER_OR_OWNER);
    }
    assert_eq!(
        text(&h.send(BORIS_USER, "/service_off 1").await),
        OWNER_ONLY
    );
    // A forged button for Anna's booking is answered, not obeyed.
    let anywhere = screen(&h.send(BORIS_USER, "/week").await);
    let labels: Vec<String> = anywhere
        .reply_markup()
        .unwrap()
        .inline_keyboard
        .iter()
        .flatten()
        .map(|b| b.text.clone())
        .collect();
    assert!(
        labels.iter().any(|l| l.contains("Boris")) && !labels.iter().any(|l| l.contains("Anna")),
        "a stylist's week offers no button into the other's: {labels:?}"
    );
    let forged = h
        .press_data(
            BORIS_USER,
            &anywhere,
            &format!("b:{}", ivan.booking.id().get()),
        )
        .await;
    assert_eq!(
        forged.answered_callback_queries[0].text.as_deref(),
        Some(MANAGER_OR_OWNER)
    );

    // The owner sees both weeks.
    let week = text(&h.send(OWNER, "/week").await);
    assert!(week.contains("Anna:") && week.contains("Boris:"), "{week}");

    // The manager: every schedule and the reports, not the catalog.
    let week = text(&h.send(MANAGER, "/week").await);
    assert!(week.contains("Anna:") && week.contains("Boris:"), "{week}");
    let stats = text(&h.send(MANAGER, "/stats week").await);
    assert!(stats.starts_with("Statistics"), "{stats}");
    assert_eq!(text(&h.send(MANAGER, "/service_off 1").await), OWNER_ONLY);

    // Boris blocks his own afternoon; the owner blocks Anna's Thursday by
    // mistake and removes it from /blocks.
    h.send(
        BORIS_USER,
        &format!("/block {boris_id} 2030-06-05 15:00-16:00"),
    )
    .await;
    h.send(OWNER, "/block 1 2030-06-06").await;
    let blocks = screen(&h.send(OWNER, "/blocks").await);
    let listed = blocks.text().unwrap().to_owned();
    assert!(
        listed.contains("Boris") && listed.contains("Anna"),
        "{listed}"
    );
    let mistake = h
        .engine
        .upcoming_blocks(&owner())
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.spec().staff == Some(StaffId::new(ANNA).unwrap()))
        .unwrap();
    h.press_data(OWNER, &blocks, &format!("ub:{}", mistake.id().get()))
        .await;
    let left = h.engine.upcoming_blocks(&owner()).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].spec().staff, Some(boris.id()));

    // The owner moves Ivan's visit from Anna to Boris.
    let day = screen(&h.send(OWNER, "/tomorrow").await);
    let card = screen(
        &h.press(OWNER, &day, &format!("#{}", ivan.booking.id().get()))
            .await,
    );
    let whom = screen(&h.press(OWNER, &card, "Reschedule").await);
    let days = screen(&h.press(OWNER, &whom, "Boris").await);
    let times = screen(&h.press(OWNER, &days, "Tue 4 Jun").await);
    h.press(OWNER, &times, "11:00").await;
    let BookingStatus::Rescheduled { to } = h.status(&ivan).await else {
        panic!("the old booking is closed as moved");
    };

    // Now the visit is Boris's: he sees it and completes it; Anna no
    // longer does.
    let boris_day = text(&h.send(BORIS_USER, "/tomorrow").await);
    assert!(boris_day.contains("Ivan Petrov"), "{boris_day}");
    let annas_day = text(&h.send(ANNA_USER, "/tomorrow").await);
    assert!(
        annas_day.starts_with("Tue 4 Jun · Anna · 1 booking"),
        "{annas_day}"
    );
    assert!(
        annas_day.contains("Ivan Petrov, +79161234567 · moved"),
        "{annas_day}"
    );
    h.clock.set(local(4, 12, 0));
    let day = screen(&h.send(BORIS_USER, "/today").await);
    let card = screen(&h.press(BORIS_USER, &day, &format!("#{}", to.get())).await);
    // Boris moves within his own schedule: no "to which specialist?".
    let when = text(&h.press(BORIS_USER, &card, "Reschedule").await);
    assert!(!when.contains("which specialist"), "{when}");
    let day = screen(&h.send(BORIS_USER, "/today").await);
    let card = screen(&h.press(BORIS_USER, &day, &format!("#{}", to.get())).await);
    h.press(BORIS_USER, &card, "Completed").await;
    let moved = h.engine.booking_details(&owner(), to).await.unwrap();
    assert_eq!(*moved.booking.status(), BookingStatus::Completed);

    // The CSV says who did what: the customer booked, the owner moved,
    // Boris (staff) completed.
    let export = h.send(OWNER, "/export 2030-06-01 2030-06-30").await;
    let csv = &export
        .sent_messages_document
        .last()
        .expect("a CSV document")
        .bot_request
        .file_data;
    let rows: Vec<&str> = csv.split("\r\n").collect();
    let old = rows
        .iter()
        .find(|r| r.starts_with(&format!("{},", ivan.booking.id().get())))
        .unwrap();
    assert!(old.contains(",rescheduled,"), "{old}");
    assert!(old.contains(",customer,,,owner 500,"), "{old}");
    let new = rows
        .iter()
        .find(|r| r.starts_with(&format!("{},", to.get())))
        .unwrap();
    assert!(new.contains(",completed,"), "{new}");
    assert!(new.contains(",owner 500,,,Boris,"), "{new}");
}

#[tokio::test]
async fn the_owner_changes_the_policy_from_the_bot_and_nobody_else_can() {
    let (mut h, _) = salon().await;
    let shown = text(&h.send(OWNER, "/policy").await);
    assert!(
        shown.starts_with("Booking policy\nMinimum notice: 60 min\n"),
        "{shown}"
    );
    assert!(
        shown.contains("Staff confirm new bookings: off\n"),
        "{shown}"
    );

    let saved = text(&h.send(OWNER, "/policy requires_confirmation on").await);
    assert!(
        saved.starts_with("Saved. It applies from the next booking."),
        "{saved}"
    );
    assert!(
        saved.contains("Staff confirm new bookings: on ✎\n"),
        "{saved}"
    );
    assert!(h.engine.policy().requires_confirmation());
    let booked = h.book(9001, "Ivan Petrov", local(4, 11, 0)).await;
    assert_eq!(*booked.booking.status(), BookingStatus::Pending);

    assert_eq!(
        text(&h.send(OWNER, "/policy horizon_days 400").await),
        "Bookable ahead must be 1 to 366 days."
    );
    assert!(
        text(&h.send(OWNER, "/policy min_notice_minutes soon").await).starts_with("Usage: /policy")
    );
    assert_eq!(h.engine.policy().horizon_days(), 14, "nothing changed");

    for user in [MANAGER, ANNA_USER] {
        assert_eq!(text(&h.send(user, "/policy").await), OWNER_ONLY);
        assert_eq!(
            text(&h.send(user, "/policy requires_confirmation off").await),
            OWNER_ONLY
        );
    }
    assert!(h.engine.policy().requires_confirmation());

    let reset = text(&h.send(OWNER, "/policy reset").await);
    assert_eq!(
        reset.matches('✎').count(),
        1,
        "only the footer's mark: {reset}"
    );
    assert!(!h.engine.policy().requires_confirmation());
}

/// The code in an invitation message: the word after `/join`.
fn code_in(text: &str) -> String {
    text.split("/join ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_owned()
}

#[tokio::test]
async fn a_stylist_joins_with_the_owners_one_time_code_and_runs_her_own_week() {
    let (mut h, boris) = salon().await;
    const NEW_STYLIST: u64 = 800;
    const SOMEONE_ELSE: u64 = 801;

    assert_eq!(
        text(
            &h.send(MANAGER, &format!("/staff_invite {}", boris.id().get()))
                .await
        ),
        OWNER_ONLY
    );
    let invitation = text(
        &h.send(OWNER, &format!("/staff_invite {}", boris.id().get()))
            .await,
    );
    assert!(
        invitation.starts_with("Invitation for Boris:\n/join "),
        "{invitation}"
    );
    let code = code_in(&invitation);
    assert_eq!(code.len(), 11, "two groups of five: {code}");

    // Before joining she is a stranger.
    let refused = text(&h.send(NEW_STYLIST, "/week").await);
    assert!(!refused.starts_with("Week"), "{refused}");
    // A made-up code is refused (and counted like a wrong PIN).
    assert_eq!(
        text(&h.send(NEW_STYLIST, "/join ABCDE-FGHJK").await),
        "This code is unknown, used or expired. Ask the owner for a new one."
    );

    let joined = text(
        &h.send(NEW_STYLIST, &format!("/join {}", code.to_lowercase()))
            .await,
    );
    assert!(
        joined.starts_with("Welcome! You are now staff member #2"),
        "{joined}"
    );
    let week = text(&h.send(NEW_STYLIST, "/week").await);
    assert!(
        week.starts_with("Week Mon 3 Jun – Sun 9 Jun · Boris\n"),
        "{week}"
    );
    assert_eq!(
        text(&h.send(NEW_STYLIST, "/stats week").await),
        MANAGER_OR_OWNER
    );

    // The code worked once.
    assert_eq!(
        text(&h.send(SOMEONE_ELSE, &format!("/join {code}")).await),
        "This code is unknown, used or expired. Ask the owner for a new one."
    );
    let week = text(&h.send(SOMEONE_ELSE, "/week").await);
    assert!(!week.starts_with("Week"), "{week}");

    // After a restart she is still Boris: the link is in the store.
    h.restart();
    h.admin
        .as_ref()
        .unwrap()
        .access
        .directory()
        .load(&h.store)
        .await
        .unwrap();
    let week = text(&h.send(NEW_STYLIST, "/week").await);
    assert!(
        week.starts_with("Week Mon 3 Jun – Sun 9 Jun · Boris\n"),
        "{week}"
    );
}

#[tokio::test]
async fn an_invitation_expires_after_a_day() {
    let (mut h, boris) = salon().await;
    let invitation = text(
        &h.send(OWNER, &format!("/staff_invite {}", boris.id().get()))
            .await,
    );
    let code = code_in(&invitation);
    h.clock.advance(chrono::Duration::hours(24));
    assert_eq!(
        text(&h.send(800, &format!("/join {code}")).await),
        "This code is unknown, used or expired. Ask the owner for a new one."
    );
    assert!(text(&h.send(800, "/join not a code").await).starts_with("Usage: /join"));
}

#[tokio::test]
async fn a_command_refused_by_role_still_leaves_the_step_it_interrupted() {
    let (mut h, _boris) = salon().await;
    let services = screen(&h.send(MANAGER, "/book").await);
    let specialists = screen(&h.press(MANAGER, &services, "Haircut").await);
    let days = screen(&h.press(MANAGER, &specialists, "Anna").await);
    let times = screen(&h.press(MANAGER, &days, "Tue 4 Jun").await);
    let asked = h.press(MANAGER, &times, "11:00").await;
    assert_eq!(text(&asked), "The customer's phone number?");

    let refused = h
        .send(MANAGER, "/service_add Beard trim | 45 | 35.00 EUR")
        .await;
    assert_eq!(text(&refused), OWNER_ONLY);

    // The booking's step was left: a phone typed now is not its answer.
    let typed = text(&h.send(MANAGER, "+7 916 555-01-02").await);
    assert!(!typed.starts_with("Nobody has this phone"), "{typed}");
    assert!(!typed.starts_with("Customer:"), "{typed}");
}

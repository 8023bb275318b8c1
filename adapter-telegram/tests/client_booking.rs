//! The client bot's booking flow, driven through the real handler tree and
//! teloxide_tests' mock Bot API: the menu, a booking from start to finish,
//! every refusal on the way, concurrent customers, stale buttons, expired
//! and unreadable conversations, and the panic guard.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapter_telegram::test_support::*;

#[tokio::test]
async fn start_greets_with_the_business_name_and_the_main_menu() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");

    let shown = screen(&h.send(&ivan, "/start").await);

    assert!(
        text(&shown).contains("Welcome to Studio Lotos!"),
        "{}",
        text(&shown)
    );
    assert_eq!(labels(&shown), ["📅 Book", "🗂 My bookings", "ℹ️ About"]);
}

#[tokio::test]
async fn the_menu_speaks_the_customers_language() {
    let mut h = Harness::new().await;
    let olga = Customer::new(1002, "Ольга").speaking("ru");

    let menu = screen(&h.send(&olga, "/start").await);
    assert!(
        text(&menu).starts_with("Добро пожаловать в Studio Lotos!"),
        "{}",
        text(&menu)
    );
    let services = screen(&h.press(&olga, &menu, "📅 Записаться").await);

    assert!(
        text(&services).starts_with("Выберите услугу"),
        "{}",
        text(&services)
    );
    assert!(labels(&services).contains(&"Men's haircut · 30 мин · 1500 RUB".to_owned()));
}

#[tokio::test]
async fn other_commands_and_stray_text_get_the_hint_and_keep_the_conversation() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let hint = "Please use the buttons, or send /start to see the menu.";

    let menu = screen(&h.send(&ivan, "/menu").await);
    assert!(
        text(&menu).contains("Welcome to Studio Lotos!"),
        "{}",
        text(&menu)
    );
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    assert_eq!(text(&screen(&h.send(&ivan, "/help").await)), hint);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    assert_eq!(text(&days), "Men's haircut · Anna\nChoose a day:");
    assert_eq!(text(&screen(&h.send(&ivan, "hello").await)), hint);

    for command in ["/start ref42", "/start@another_bot", "/menu@salon_bot"] {
        let shown = screen(&h.send(&ivan, command).await);
        assert!(
            text(&shown).contains("Welcome to Studio Lotos!"),
            "{command}: {}",
            text(&shown)
        );
    }
}

/// Walks `who` from /start to the summary of a men's haircut with Anna on
/// `day` at `time`, giving their profile name and own phone.
async fn walk_to_summary(
    h: &mut Harness,
    who: &Customer,
    day: &str,
    time: &str,
) -> teloxide::types::Message {
    let menu = screen(&h.send(who, "/start").await);
    let services = screen(&h.press(who, &menu, "📅 Book").await);
    let days = screen(&h.press(who, &services, "Men's haircut").await);
    let times = screen(&h.press(who, &days, day).await);
    let names = screen(&h.press(who, &times, time).await);
    let profile_name = match &who.last_name {
        Some(last) => format!("{} {last}", who.first_name),
        None => who.first_name.clone(),
    };
    let asked = h.press(who, &names, &profile_name).await;
    assert!(asks_for_contact(&asked));
    let comment = screen(&h.share_contact(who, "79161234567", Some(who.id)).await);
    screen(&h.press(who, &comment, "Skip").await)
}

#[tokio::test]
async fn a_customer_books_a_visit_from_start_to_finish() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan").surname("Petrov");

    let menu = screen(&h.send(&ivan, "/start").await);
    let pressed = h.press(&ivan, &menu, "📅 Book").await;
    assert_eq!(answer(&pressed), None);
    let services = screen(&pressed);
    assert_eq!(text(&services), "Choose a service:");
    assert_eq!(
        labels(&services),
        [
            "Women's haircut · 1 h · 2500 RUB",
            "Men's haircut · 30 min · 1500 RUB",
            "Colouring · 2 h · 5200 RUB",
            "⬅️ Back",
            "✖️ Cancel",
        ]
    );
    // Edited in place: the menu message became the list of services.
    assert_eq!(services.id, menu.id);

    // One performer: no staff step.
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    assert_eq!(text(&days), "Men's haircut · Anna\nChoose a day:");
    assert_eq!(
        labels(&days)[..6],
        [
            "Mon 3 Jun",
            "Tue 4 Jun",
            "Wed 5 Jun",
            "Thu 6 Jun",
            "Fri 7 Jun",
            "Mon 10 Jun"
        ]
    );
    assert!(
        !labels(&days).iter().any(|l| l == "Sat 8 Jun"),
        "Anna does not work on Saturdays"
    );

    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    assert!(text(&times).contains("Tue 4 Jun: choose a time"));
    let time_labels = labels(&times);
    assert_eq!(time_labels[..3], ["10:00", "10:30", "11:00"]);
    assert!(
        !time_labels.contains(&"14:00".to_owned()),
        "14:00-15:00 is Anna's break"
    );

    let names = screen(&h.press(&ivan, &times, "11:00").await);
    assert_eq!(
        text(&names),
        "What name should we book under? Type it, or tap a suggestion below."
    );
    assert_eq!(labels(&names)[0], "Ivan Petrov");

    let asked = h.press(&ivan, &names, "Ivan Petrov").await;
    assert!(asks_for_contact(&asked));

    let shared = h.share_contact(&ivan, "79161234567", Some(1001)).await;
    let sent: Vec<_> = shared
        .sent_messages_text
        .iter()
        .map(|m| text(&m.message))
        .collect();
    assert_eq!(sent[0], "📱 Phone: +79161234567");
    let comment = screen(&shared);
    assert!(text(&comment).starts_with("Anything you would like us to know?"));

    let summary = screen(&h.press(&ivan, &comment, "Skip").await);
    assert_eq!(
        text(&summary),
        "Please check your booking:\n\nMen's haircut (30 min, 1500 RUB)\nSpecialist: Anna\nWhen: Tue 4 Jun, 11:00\nName: Ivan Petrov\nPhone: +79161234567"
    );

    let done = screen(&h.press(&ivan, &summary, "✅ Confirm").await);
    assert_eq!(
        text(&done),
        "✅ Booked: Men's haircut with Anna, Tue 4 Jun, 11:00. See you!"
    );

    let bookings = h.bookings_of(&ivan).await;
    assert_eq!(bookings.len(), 1);
    let booking = &bookings[0].booking;
    assert_eq!(booking.start(), local(4, 11, 0));
    assert_eq!(booking.staff().get(), ANNA);
    assert_eq!(booking.service().get(), MENS_HAIRCUT);
    let profile = h.engine.account(ivan.account()).await.unwrap().unwrap();
    assert_eq!(profile.name.expose(), "Ivan Petrov");
    assert_eq!(
        profile.phone.as_ref().map(|p| p.expose()),
        Some("+79161234567")
    );
    assert_eq!(booking.customer(), Some(profile.id));
}

#[tokio::test]
async fn a_typed_comment_appears_in_the_summary_and_on_the_booking() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    let times = screen(&h.press(&ivan, &days, "Wed 5 Jun").await);
    let names = screen(&h.press(&ivan, &times, "16:00").await);
    h.press(&ivan, &names, "Ivan").await;
    h.share_contact(&ivan, "79161234567", Some(1001)).await;

    let summary = screen(&h.send(&ivan, "  Short on the sides, please  ").await);
    assert!(
        text(&summary).ends_with("Comment: Short on the sides, please"),
        "{}",
        text(&summary)
    );
    screen(&h.press(&ivan, &summary, "✅ Confirm").await);

    let booking = &h.bookings_of(&ivan).await[0].booking;
    assert_eq!(
        booking.comment().unwrap().expose(),
        "Short on the sides, please"
    );
}

#[tokio::test]
async fn several_performers_offer_a_choice_with_any_and_a_paged_calendar() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);

    let staff = screen(&h.press(&ivan, &services, "Women's haircut").await);
    assert_eq!(text(&staff), "Women's haircut\nChoose a specialist:");
    assert_eq!(
        labels(&staff),
        ["Anna", "Maria", "Any specialist", "⬅️ Back", "✖️ Cancel"]
    );

    // Anyone: every day of the 14-day horizon has someone (Anna on
    // weekdays, Maria Wednesday to Sunday), 15 days from today: two pages.
    let first_page = screen(&h.press(&ivan, &staff, "Any specialist").await);
    assert!(text(&first_page).starts_with("Women's haircut · Any specialist"));
    let days = labels(&first_page);
    assert_eq!(days[0], "Mon 3 Jun");
    assert_eq!(days[11], "Fri 14 Jun");
    assert!(days.contains(&"Later ▶️".to_owned()));
    assert!(!days.contains(&"◀️ Earlier".to_owned()));

    let second_page = screen(&h.press(&ivan, &first_page, "Later ▶️").await);
    assert_eq!(
        labels(&second_page)[..3],
        ["Sat 15 Jun", "Sun 16 Jun", "Mon 17 Jun"]
    );
    assert!(labels(&second_page).contains(&"◀️ Earlier".to_owned()));
    assert!(
        !labels(&second_page).contains(&"Later ▶️".to_owned()),
        "17 Jun is the horizon"
    );

    // A Saturday: only Maria works; Back returns to the page of that day.
    let times = screen(&h.press(&ivan, &second_page, "Sat 15 Jun").await);
    assert_eq!(labels(&times)[0], "12:00");
    let back = screen(&h.press(&ivan, &times, "⬅️ Back").await);
    assert_eq!(labels(&back)[0], "Sat 15 Jun");

    let times = screen(&h.press(&ivan, &back, "Sat 15 Jun").await);
    let names = screen(&h.press(&ivan, &times, "12:00").await);
    h.press(&ivan, &names, "Ivan").await;
    let comment = screen(&h.share_contact(&ivan, "+7 916 123-45-67", Some(1001)).await);
    let summary = screen(&h.press(&ivan, &comment, "Skip").await);
    assert!(text(&summary).contains("Specialist: Any specialist"));
    let done = screen(&h.press(&ivan, &summary, "✅ Confirm").await);

    assert_eq!(
        text(&done),
        "✅ Booked: Women's haircut with Maria, Sat 15 Jun, 12:00. See you!"
    );
}

#[tokio::test]
async fn invalid_names_and_button_labels_are_refused_with_the_reason() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    screen(&h.press(&ivan, &times, "11:00").await);

    let refusals = [
        (
            "A",
            "A name needs at least 2 characters. Please type your name.",
        ),
        (
            &"я".repeat(101),
            "A name can have at most 100 characters. Please type a shorter one.",
        ),
        (
            "Iv\u{7}an",
            "A name cannot contain control characters. Please type your name.",
        ),
        (
            "📅 Book",
            "“📅 Book” is the label of a button, not a name. Please type your name.",
        ),
        (
            "back",
            "“back” is the label of a button, not a name. Please type your name.",
        ),
        (
            "Записаться",
            "“Записаться” is the label of a button, not a name. Please type your name.",
        ),
    ];
    for (typed, reason) in refusals {
        let replied = h.send(&ivan, typed).await;
        assert_eq!(text(&screen(&replied)), reason, "typed {typed:?}");
        assert!(!asks_for_contact(&replied));
    }

    let asked = h.send(&ivan, "  Ivan   Sidorov ").await;
    assert!(
        asks_for_contact(&asked),
        "a valid name moves on to the phone"
    );
}

#[tokio::test]
async fn invalid_phones_and_other_peoples_contacts_are_refused_with_the_reason() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    let names = screen(&h.press(&ivan, &times, "11:00").await);
    h.press(&ivan, &names, "Ivan").await;

    let someone_else = h.share_contact(&ivan, "79031112233", Some(2002)).await;
    assert_eq!(
        text(&screen(&someone_else)),
        "That is not your own contact. Please share your own number with the button, or type it."
    );
    let a_card_without_user = h.share_contact(&ivan, "79031112233", None).await;
    assert!(text(&screen(&a_card_without_user)).starts_with("That is not your own contact."));

    for (typed, reason) in [
        (
            "call me",
            "A phone number has only digits, spaces and + ( ) - . characters. Please check it.",
        ),
        ("12", "This does not look like a phone number."),
        // Long enough to be a short national number somewhere, but no
        // number in the business's region (Russia) has this shape.
        (
            "12345",
            "This number does not exist in its country's numbering plan.",
        ),
        (
            "+7 916 123-45-67 +7",
            "This does not look like a phone number.",
        ),
    ] {
        let replied = text(&screen(&h.send(&ivan, typed).await));
        assert!(replied.starts_with(reason), "typed {typed:?}: {replied}");
    }

    // A number typed the national way is read in the business's region.
    let accepted = h.send(&ivan, "8 (916) 123-45-67").await;
    assert_eq!(
        text(&accepted.sent_messages_text[0].message),
        "📱 Phone: +79161234567"
    );
    assert!(text(&screen(&accepted)).starts_with("Anything you would like us to know?"));
}

#[tokio::test]
async fn back_and_cancel_work_at_every_step() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);

    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    let services = screen(&h.press(&ivan, &days, "⬅️ Back").await);
    assert_eq!(text(&services), "Choose a service:");
    let staff = screen(&h.press(&ivan, &services, "Women's haircut").await);
    let days = screen(&h.press(&ivan, &staff, "Anna").await);
    let staff = screen(&h.press(&ivan, &days, "⬅️ Back").await);
    assert_eq!(text(&staff), "Women's haircut\nChoose a specialist:");
    let days = screen(&h.press(&ivan, &staff, "Anna").await);
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    let names = screen(&h.press(&ivan, &times, "11:00").await);
    let times = screen(&h.press(&ivan, &names, "⬅️ Back").await);
    assert!(text(&times).contains("Tue 4 Jun: choose a time"));
    let names = screen(&h.press(&ivan, &times, "11:00").await);

    // The phone step's Back and Cancel are reply-keyboard buttons: they
    // arrive as text.
    h.press(&ivan, &names, "Ivan").await;
    let names = screen(&h.send(&ivan, "⬅️ Back").await);
    assert!(text(&names).starts_with("What name should we book under?"));
    h.press(&ivan, &names, "Ivan").await;
    let comment = screen(&h.share_contact(&ivan, "79161234567", Some(1001)).await);
    let summary = screen(&h.press(&ivan, &comment, "Skip").await);
    let comment = screen(&h.press(&ivan, &summary, "⬅️ Back").await);
    assert!(text(&comment).starts_with("Anything you would like us to know?"));
    let asked = h.press(&ivan, &comment, "⬅️ Back").await;
    assert!(asks_for_contact(&asked));
    let cancelled = screen(&h.send(&ivan, "✖️ Cancel").await);
    assert_eq!(
        text(&cancelled),
        "Cancelled. Nothing was booked.\n\nWhat would you like to do?"
    );
    assert!(h.bookings_of(&ivan).await.is_empty());

    // Cancel from an inline step, then the old buttons are stale.
    let services = screen(&h.press(&ivan, &cancelled, "📅 Book").await);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    let cancelled = screen(&h.press(&ivan, &days, "✖️ Cancel").await);
    assert!(text(&cancelled).starts_with("Cancelled. Nothing was booked."));
    let stale = h
        .press_data(&ivan, &cancelled, &button_data(&days, "Tue 4 Jun"))
        .await;
    assert_eq!(answer(&stale).as_deref(), Some("This button has expired."));
    assert!(nothing_shown(&stale));
}

#[tokio::test]
async fn leaving_the_phone_step_with_start_removes_its_keyboard() {
    use teloxide::types::ReplyMarkup;
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    let names = screen(&h.press(&ivan, &times, "11:00").await);
    assert!(asks_for_contact(&h.press(&ivan, &names, "Ivan").await));

    let left = h.send(&ivan, "/start").await;

    let removal = &left.sent_messages_text[0];
    assert!(matches!(
        removal.bot_request.reply_markup,
        Some(ReplyMarkup::KeyboardRemove(_))
    ));
    assert_eq!(
        left.deleted_messages.len(),
        1,
        "the removal message is deleted again"
    );
    assert_eq!(left.deleted_messages[0].message.id, removal.message.id);
    assert!(text(&screen(&left)).starts_with("Welcome to Studio Lotos!"));
}

#[tokio::test]
async fn a_time_taken_meanwhile_is_refused_and_the_current_times_are_shown() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan").surname("Petrov");
    let olga = Customer::new(1002, "Olga");
    let summary = walk_to_summary(&mut h, &ivan, "Tue 4 Jun", "11:00").await;

    h.book_directly(&olga, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let refused = screen(&h.press(&ivan, &summary, "✅ Confirm").await);

    assert!(
        text(&refused).starts_with(
            "Sorry, 11:00 was just taken by someone else. These times on Tue 4 Jun are free now:"
        ),
        "{}",
        text(&refused)
    );
    assert!(!labels(&refused).contains(&"11:00".to_owned()));
    assert!(h.bookings_of(&ivan).await.is_empty());

    // The details already given are kept: straight back to the summary.
    let summary = screen(&h.press(&ivan, &refused, "11:30").await);
    assert!(
        text(&summary).contains("When: Tue 4 Jun, 11:30\nName: Ivan Petrov"),
        "{}",
        text(&summary)
    );
    let done = screen(&h.press(&ivan, &summary, "✅ Confirm").await);
    assert!(text(&done).starts_with("✅ Booked:"));
    assert_eq!(
        h.bookings_of(&ivan).await[0].booking.start(),
        local(4, 11, 30)
    );
}

#[tokio::test]
async fn a_time_pressed_after_it_was_taken_shows_the_current_times() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let olga = Customer::new(1002, "Olga");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);

    h.book_directly(&olga, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let refused = screen(&h.press(&ivan, &times, "11:00").await);

    assert!(text(&refused).starts_with("Sorry, 11:00 was just taken"));
    assert!(!labels(&refused).contains(&"11:00".to_owned()));
}

#[tokio::test]
async fn two_customers_confirming_the_same_time_get_one_booking_and_one_refusal() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let olga = Customer::new(1002, "Olga");
    let ivans = walk_to_summary(&mut h, &ivan, "Tue 4 Jun", "11:00").await;
    let olgas = walk_to_summary(&mut h, &olga, "Tue 4 Jun", "11:00").await;

    // One dispatch: the dispatcher handles the two chats concurrently.
    let both = h
        .press_together(&[(&ivan, &ivans, "✅ Confirm"), (&olga, &olgas, "✅ Confirm")])
        .await;

    let outcomes: Vec<String> = both
        .edited_messages_text
        .iter()
        .map(|m| text(&m.message))
        .collect();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert_eq!(
        outcomes
            .iter()
            .filter(|t| t.starts_with("✅ Booked:"))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|t| t.starts_with("Sorry, 11:00 was just taken"))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(both.answered_callback_queries.len(), 2);
    let held = h.bookings_of(&ivan).await.len() + h.bookings_of(&olga).await.len();
    assert_eq!(held, 1);
}

#[tokio::test]
async fn stale_and_unknown_buttons_are_answered_and_change_nothing() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);

    // A new conversation a minute later: the old flow's buttons are stale.
    h.clock.advance(chrono::Duration::minutes(1));
    let menu = screen(&h.send(&ivan, "/start").await);
    let services_again = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let stale = h.press(&ivan, &days, "Tue 4 Jun").await;
    assert_eq!(answer(&stale).as_deref(), Some("This button has expired."));
    assert!(nothing_shown(&stale));

    for data in ["", "nonsense", "m:zz", "zz|sv:1", "m:b\u{0}"] {
        let unknown = h.press_data(&ivan, &services_again, data).await;
        assert_eq!(
            answer(&unknown).as_deref(),
            Some("This button has expired."),
            "{data:?}"
        );
        assert!(nothing_shown(&unknown), "{data:?}");
    }

    // The current flow still works.
    let days = screen(&h.press(&ivan, &services_again, "Men's haircut").await);
    assert_eq!(text(&days), "Men's haircut · Anna\nChoose a day:");
}

#[tokio::test]
async fn an_expired_conversation_starts_over_with_a_short_explanation() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    screen(&h.press(&ivan, &times, "11:00").await);

    h.clock.advance(chrono::Duration::minutes(31));
    let restarted = screen(&h.send(&ivan, "Ivan").await);

    assert_eq!(
        text(&restarted),
        "Your previous conversation was idle for 30 minutes, so we are starting over.\n\nWelcome to Studio Lotos!\nWhat would you like to do?"
    );
    assert_eq!(labels(&restarted), ["📅 Book", "🗂 My bookings", "ℹ️ About"]);
    // Said once: the next message is an ordinary one.
    let next = screen(&h.send(&ivan, "hello").await);
    assert!(text(&next).starts_with("Welcome to Studio Lotos!"));
    assert!(h.bookings_of(&ivan).await.is_empty());
}

#[tokio::test]
async fn a_button_pressed_after_expiry_explains_and_offers_the_menu() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);

    h.clock.advance(chrono::Duration::hours(2));
    let pressed = h.press(&ivan, &services, "Men's haircut").await;

    assert_eq!(
        answer(&pressed).as_deref(),
        Some("This button has expired.")
    );
    let shown = screen(&pressed);
    assert!(text(&shown).starts_with("Your previous conversation was idle for 30 minutes"));
    assert_eq!(labels(&shown), ["📅 Book", "🗂 My bookings", "ℹ️ About"]);
}

#[tokio::test]
async fn an_unreadable_stored_conversation_is_explained_not_dropped() {
    use booking_ports::{BotName, ChatKey, ConversationKey, ConversationStore, RecordVersion};
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let key = ConversationKey {
        bot: BotName::new("client").unwrap(),
        chat: ChatKey::new(1001),
    };
    let far = monday_morning() + chrono::Duration::days(1);
    let from_an_older_bot =
        r#"{"v":0,"expires_at":"2030-06-03T08:00:00Z","state":{"at":"choosing"}}"#;
    h.store
        .save_conversation(
            key.clone(),
            from_an_older_bot.to_owned(),
            far,
            RecordVersion::NONE,
        )
        .await
        .unwrap();

    let shown = screen(&h.send(&ivan, "hello").await);

    assert!(
        text(&shown).starts_with(
            "We could not continue your previous conversation after an update of the bot"
        ),
        "{}",
        text(&shown)
    );
    assert_eq!(
        h.store
            .load_conversation(key, monday_morning())
            .await
            .unwrap()
            .stored,
        None
    );
}

#[tokio::test]
async fn the_conversation_is_kept_per_bot_in_the_conversation_store() {
    use booking_ports::{BotName, ChatKey, ConversationKey, ConversationStore};
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    screen(&h.press(&ivan, &menu, "📅 Book").await);

    let key = |bot: &str| ConversationKey {
        bot: BotName::new(bot).unwrap(),
        chat: ChatKey::new(1001),
    };
    let stored = h
        .store
        .load_conversation(key("client"), monday_morning())
        .await
        .unwrap()
        .stored;
    let Some(booking_ports::StoredConversation::Live(stored)) = stored else {
        panic!("no live conversation: {stored:?}");
    };
    assert!(stored.contains(r#""step":"service""#));
    assert_eq!(
        h.store
            .load_conversation(key("admin"), monday_morning())
            .await
            .unwrap()
            .stored,
        None
    );
}

mod panics {
    use std::sync::{Arc, Mutex};

    use adapter_telegram::HandlerError;
    use adapter_telegram::guard::catch_panics;
    use futures::future::BoxFuture;
    use teloxide::dispatching::UpdateHandler;
    use teloxide::error_handlers::ErrorHandler;
    use teloxide::prelude::*;
    use teloxide_tests::{MockBot, MockMessageText};

    #[derive(Default)]
    struct Recorded(Mutex<Vec<String>>);

    impl ErrorHandler<HandlerError> for Recorded {
        fn handle_error(self: Arc<Self>, error: HandlerError) -> BoxFuture<'static, ()> {
            self.0.lock().unwrap().push(error.to_string());
            Box::pin(async {})
        }
    }

    fn exploding_tree() -> UpdateHandler<HandlerError> {
        catch_panics().branch(Update::filter_message().endpoint(
            |bot: Bot, message: Message| async move {
                if message.text() == Some("boom") {
                    panic!("boom");
                }
                bot.send_message(message.chat.id, "still here").await?;
                Ok(())
            },
        ))
    }

    #[tokio::test]
    async fn a_panicking_handler_does_not_stop_the_chat_or_the_dispatcher() {
        // Two updates of one chat in one dispatch: without the guard the
        // first kills the chat's worker and the second panics the whole
        // dispatcher (teloxide issue #1435).
        let mut bot = MockBot::new(
            vec![
                MockMessageText::new().text("boom"),
                MockMessageText::new().text("hello"),
            ],
            exploding_tree(),
        );
        let recorded = Arc::new(Recorded::default());
        bot.error_handler(recorded.clone());

        bot.dispatch().await;

        let sent = bot.get_responses().sent_messages;
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].text(), Some("still here"));
        assert_eq!(*recorded.0.lock().unwrap(), ["a handler panicked: boom"]);
    }
}

#[tokio::test]
async fn the_limit_of_upcoming_bookings_is_explained_at_confirmation() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    for day in [5, 6, 7] {
        h.book_directly(&ivan, MENS_HAIRCUT, ANNA, local(day, 11, 0))
            .await;
    }
    let summary = walk_to_summary(&mut h, &ivan, "Tue 4 Jun", "11:00").await;

    let refused = screen(&h.press(&ivan, &summary, "✅ Confirm").await);

    assert_eq!(
        text(&refused),
        "You already hold 3 upcoming bookings, the most one customer can hold. Cancel one in “My bookings” to book another."
    );
    assert_eq!(h.bookings_of(&ivan).await.len(), 3);
}

#[tokio::test]
async fn a_comment_that_is_too_long_is_refused_with_the_reason() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    let names = screen(&h.press(&ivan, &times, "11:00").await);
    h.press(&ivan, &names, "Ivan").await;
    h.share_contact(&ivan, "79161234567", Some(1001)).await;

    let refused = screen(&h.send(&ivan, &"a".repeat(501)).await);
    assert_eq!(
        text(&refused),
        "A comment can have at most 500 characters; yours has 501. Please shorten it."
    );
    // Typing the Skip label skips, as the button does.
    let summary = screen(&h.send(&ivan, "skip").await);
    assert!(text(&summary).starts_with("Please check your booking:"));
    assert!(!text(&summary).contains("Comment:"));
}

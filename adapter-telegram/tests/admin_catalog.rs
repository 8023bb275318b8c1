//! Catalog editing through the admin bot's real handler tree and
//! teloxide_tests' mock Bot API: services, staff members, weekly hours and
//! date overrides. Each happy path is checked against the store afterwards;
//! refused input answers with the reason and changes nothing; strangers can
//! use none of it; schedule edits that strand bookings list them and keep
//! them.
//!
//! Its own binary: teloxide_tests allows one MockBot per process, and this
//! one then runs beside `admin_bot`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use booking_domain::{
    BookingStatus, DateOverride, LocalTimeRange, Minutes, OverrideHours, Service, ServiceSpec,
    StaffId, StaffMember, StaffSpec, WeeklyHours,
};
use booking_ports::CatalogStore;
use chrono::{NaiveDate, Weekday};
use teloxide_tests::{MockMessageText, MockPrivateChat, MockUser, Responses};

mod admin_support;
use admin_support::*;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 6, d).unwrap()
}

fn period(s: &str) -> LocalTimeRange {
    LocalTimeRange::parse(s).unwrap()
}

impl Harness {
    /// Sends `text` from the owner, whose Telegram client is in Russian.
    async fn send_russian(&mut self, text: &str) -> Responses {
        let chat = MockPrivateChat::new().id(OWNER as i64).build();
        let mut user = MockUser::new().id(OWNER).first_name("Someone").build();
        user.language_code = Some("ru".to_owned());
        self.bot
            .update(MockMessageText::new().text(text).from(user).chat(chat));
        self.bot.dispatch().await;
        self.bot.get_responses()
    }

    async fn services(&self) -> Vec<Service> {
        self.store.services().await.unwrap()
    }

    async fn staff(&self) -> Vec<StaffMember> {
        self.store.staff().await.unwrap()
    }

    async fn service(&self, id: i64) -> ServiceSpec {
        self.services()
            .await
            .into_iter()
            .find(|s| s.id().get() == id)
            .unwrap_or_else(|| panic!("no service {id}"))
            .spec()
            .clone()
    }

    async fn member(&self, id: i64) -> StaffSpec {
        self.staff()
            .await
            .into_iter()
            .find(|m| m.id().get() == id)
            .unwrap_or_else(|| panic!("no staff member {id}"))
            .spec()
            .clone()
    }

    async fn overrides(&self) -> Vec<DateOverride> {
        self.store.date_overrides(day(1), day(30)).await.unwrap()
    }
}

#[tokio::test]
async fn services_are_added_edited_deactivated_and_listed() {
    let mut h = Harness::new(allow_list()).await;

    let added = h
        .send(
            OWNER,
            "/service_add Beard trim | 45 | 35.00 EUR | 5 | 10 | 1",
        )
        .await;
    assert_eq!(
        text(&added),
        "Service added:\n#2 Beard trim · 45 min · 35 EUR · buffers 5+10 min · staff: Anna #1"
    );
    let spec = h.service(2).await;
    assert_eq!(spec.name.as_str(), "Beard trim");
    assert_eq!(spec.duration.get(), 45);
    assert_eq!(
        (spec.price.minor(), spec.price.currency().code()),
        (3500, "EUR")
    );
    assert_eq!((spec.buffer_before.get(), spec.buffer_after.get()), (5, 10));
    assert_eq!(spec.performers, vec![StaffId::new(ANNA).unwrap()]);
    assert!(spec.active);

    // Buffers and performers are optional.
    h.send(OWNER, "/service_add Consultation | 15 | 0 RUB")
        .await;
    let consultation = h.service(3).await;
    assert_eq!(consultation.buffer_before, Minutes::ZERO);
    assert!(consultation.performers.is_empty());

    h.send(OWNER, "/service_edit 2 price 40,50 EUR").await;
    h.send(OWNER, "/service_edit 2 name Beard & moustache")
        .await;
    h.send(OWNER, "/service_edit 2 duration 60").await;
    h.send(OWNER, "/service_edit 2 before 0").await;
    let saved = h.send(OWNER, "/service_edit 2 staff -").await;
    assert!(text(&saved).starts_with("Service saved:\n#2 Beard & moustache · 1 h · 40.50 EUR"));
    let spec = h.service(2).await;
    assert_eq!(spec.name.as_str(), "Beard & moustache");
    assert_eq!(spec.price.minor(), 4050);
    assert_eq!(spec.duration.get(), 60);
    assert_eq!((spec.buffer_before.get(), spec.buffer_after.get()), (0, 10));
    assert!(spec.performers.is_empty());

    h.send(OWNER, "/service_off 2").await;
    assert!(!h.service(2).await.active);
    let listed = text(&h.send(OWNER, "/services").await);
    assert!(listed.starts_with("Services:\n#1 Haircut · 1 h · 2500 RUB"));
    assert!(listed.contains(
        "#2 Beard & moustache · 1 h · 40.50 EUR · buffers 0+10 min · staff: nobody (inactive)"
    ));
    h.send(OWNER, "/service_on 2").await;
    assert!(h.service(2).await.active);
    // The other services were left alone.
    assert_eq!(
        h.service(HAIRCUT).await,
        catalog().services[0].spec().clone()
    );
}

#[tokio::test]
async fn refused_service_input_says_why_and_changes_nothing() {
    let mut h = Harness::new(allow_list()).await;
    let before = h.services().await;

    let cases = [
        (
            "/service_add Trim | 0 | 10 EUR",
            "Not saved: a service must last at least one minute. Nothing was changed.",
        ),
        (
            "/service_add Trim | forty | 10 EUR",
            "Not saved: a duration is a whole number of minutes, got \"forty\". Nothing was changed.",
        ),
        (
            "/service_add Trim | 30 | ten EUR",
            "Not saved: write a price as an amount and a currency, such as 35.00 EUR, got \"ten EUR\". Nothing was changed.",
        ),
        (
            "/service_add Trim | 30 | 10 EURO",
            "Not saved: a currency is a three-letter ISO 4217 code such as EUR or RUB, got \"EURO\". Nothing was changed.",
        ),
        (
            "/service_add Trim | 30 | 10 EUR | 0 | 0 | 7",
            "There is no staff member 7.",
        ),
        ("/service_edit 9 price 10 EUR", "There is no service 9."),
        (
            "/service_edit 1 duration 1500",
            "Not saved: a service, buffers included, must fit in one day. Nothing was changed.",
        ),
        (
            "/service_edit 1 staff 1,x",
            "Not saved: staff ids are positive numbers separated by commas, got \"1,x\". Nothing was changed.",
        ),
        (
            "/service_add Only a name",
            "Usage: /service_add Name | minutes | price CUR [| buffer before | buffer after [| staff ids]], for example /service_add Beard trim | 45 | 35.00 EUR | 5 | 10 | 1,2",
        ),
        (
            "/service_edit 1 colour red",
            "Usage: /service_edit id name|duration|price|before|after|staff value, for example /service_edit 3 price 40.00 EUR or /service_edit 3 staff 1,2",
        ),
        (
            "/service_off first",
            "Usage: /service_off id or /service_on id, with the id from /services",
        ),
    ];
    for (command, answer) in cases {
        assert_eq!(text(&h.send(OWNER, command).await), answer, "{command}");
    }
    assert_eq!(h.services().await, before);
}

#[tokio::test]
async fn staff_are_added_renamed_given_hours_and_listed() {
    let mut h = Harness::new(allow_list()).await;

    let added = text(&h.send(OWNER, "/staff_add Maria").await);
    assert_eq!(
        added,
        "Staff member added:\n#2 Maria\n    no weekly hours\nSet their hours with /hours 2 mon 09:00-18:00."
    );
    let maria = h.member(2).await;
    assert_eq!(maria.name.as_str(), "Maria");
    assert!(maria.active);
    assert_eq!(maria.hours, WeeklyHours::default());

    let saved = text(
        &h.send(OWNER, "/hours 2 mon,tue 09:00-13:00, 14:00-19:00")
            .await,
    );
    assert!(saved.starts_with(
        "Saved:\n#2 Maria\n    Mon 09:00-13:00, 14:00-19:00; Tue 09:00-13:00, 14:00-19:00"
    ));
    assert!(saved.ends_with("No bookings collide with it."));
    h.send(OWNER, "/hours 2 tue off").await;
    h.send(OWNER, "/staff_rename 2 Maria K.").await;
    let maria = h.member(2).await;
    assert_eq!(
        maria.hours.on(Weekday::Mon),
        &[period("09:00-13:00"), period("14:00-19:00")]
    );
    assert!(maria.hours.on(Weekday::Tue).is_empty());
    assert_eq!(maria.name.as_str(), "Maria K.");

    h.send(OWNER, "/staff_off 2").await;
    assert!(!h.member(2).await.active);
    let listed = text(&h.send(OWNER, "/staff").await);
    assert!(listed.contains("#1 Anna\n    Mon 10:00-19:00; Tue 10:00-19:00"));
    assert!(listed.contains("#2 Maria K. (inactive)\n    Mon 09:00-13:00, 14:00-19:00"));
    h.send(OWNER, "/staff_on 2").await;
    assert!(h.member(2).await.active);
}

#[tokio::test]
async fn refused_hours_and_unknown_staff_say_why_and_change_nothing() {
    let mut h = Harness::new(allow_list()).await;
    let before = h.staff().await;

    let cases = [
        (
            "/hours 1 mon 09:00-13:00,12:00-15:00",
            "Not saved: periods on Mon overlap: 09:00-13:00 and 12:00-15:00. Nothing was changed.",
        ),
        (
            "/hours 1 mon 13:00-09:00",
            "Not saved: a period must start before it ends (13:00 is not before 09:00). Nothing was changed.",
        ),
        (
            "/hours 1 mon 9-17",
            "Not saved: a time of day is between 00:00 and 24:00, got \"9\". Nothing was changed.",
        ),
        ("/hours 9 mon 09:00-10:00", "There is no staff member 9."),
        ("/staff_rename 9 Olga", "There is no staff member 9."),
        ("/staff_off 9", "There is no staff member 9."),
        (
            "/hours 1 funday 09:00-10:00",
            "Usage: /hours staff id mon[,tue...] HH:MM-HH:MM[,HH:MM-HH:MM] or off, for example /hours 1 mon,tue 09:00-13:00,14:00-19:00",
        ),
        (
            "/staff_add",
            "Usage: /staff_add Name, for example /staff_add Maria",
        ),
        (
            "/staff_rename 1",
            "Usage: /staff_rename id Name, for example /staff_rename 2 Maria K.",
        ),
    ];
    for (command, answer) in cases {
        assert_eq!(text(&h.send(OWNER, command).await), answer, "{command}");
    }
    let long_name = format!("/staff_add {}", "A".repeat(200));
    assert!(
        text(&h.send(OWNER, &long_name).await).starts_with("Not saved: a name must have at most")
    );
    assert_eq!(h.staff().await, before);
}

#[tokio::test]
async fn hours_that_strand_bookings_list_them_and_keep_them() {
    let mut h = Harness::new(allow_list()).await;
    // Wednesday 5 June 15:00 and Thursday 6 June 11:00, both with Anna.
    let stranded = h.book(9001, "Ivan Petrov", local(5, 15, 0)).await;
    let fine = h.book(9002, "Olga Sidorova", local(6, 11, 0)).await;

    let answer = h.send(OWNER, "/hours 1 wed 09:00-13:00").await;
    let shown = text(&answer);
    assert!(shown.contains("1 booking collides with it and still stands:"));
    assert!(shown.contains(&format!(
        "#{} Wed 5 Jun, 15:00 · Haircut · Anna · Ivan Petrov, +79161234567",
        stranded.booking.id().get()
    )));
    assert!(!shown.contains("Olga"));
    assert_eq!(h.status(&stranded).await, BookingStatus::Confirmed);
    assert_eq!(
        h.member(ANNA).await.hours.on(Weekday::Wed),
        &[period("09:00-13:00")]
    );

    // Taking Anna off lists both, and still drops nothing; the button
    // offers to cancel them with a message.
    let off = h.send(OWNER, "/staff_off 1").await;
    let shown = text(&off);
    assert!(shown.contains("2 bookings collide with it and still stand:"));
    assert!(shown.contains("Olga Sidorova"));
    assert_eq!(h.status(&stranded).await, BookingStatus::Confirmed);
    assert_eq!(h.status(&fine).await, BookingStatus::Confirmed);

    // The offered button cancels them, with a message, only when asked.
    let asked = h
        .press(OWNER, &screen(&off), "Cancel them with a message")
        .await;
    assert!(text(&asked).starts_with("Write the message for the customers of these 2 bookings"));
    let done = h.send(OWNER, "/skip").await;
    assert_eq!(text(&done), "2 bookings cancelled; the customers are told.");
    assert!(matches!(
        h.status(&stranded).await,
        BookingStatus::Cancelled(_)
    ));
    assert!(matches!(h.status(&fine).await, BookingStatus::Cancelled(_)));
}

#[tokio::test]
async fn date_overrides_close_days_set_special_hours_list_and_are_removed() {
    let mut h = Harness::new(allow_list()).await;
    let booked = h.book(9001, "Ivan Petrov", local(6, 12, 0)).await;

    let closed = text(&h.send(OWNER, "/override 2030-06-06 all closed").await);
    assert!(closed.starts_with("Date override saved: Thu 6 Jun (2030-06-06) · all staff · closed"));
    assert!(closed.contains("1 booking collides with it and still stands:"));
    assert!(closed.contains(&format!("#{}", booked.booking.id().get())));
    assert_eq!(h.status(&booked).await, BookingStatus::Confirmed);

    let special = text(
        &h.send(OWNER, "/override 2030-06-07 1 10:00-12:00, 13:00-15:00")
            .await,
    );
    assert!(special.ends_with("No bookings collide with it."));
    assert_eq!(
        h.overrides().await,
        vec![
            DateOverride::new(day(6), None, OverrideHours::Closed).unwrap(),
            DateOverride::new(
                day(7),
                Some(StaffId::new(ANNA).unwrap()),
                OverrideHours::Open(vec![period("10:00-12:00"), period("13:00-15:00")])
            )
            .unwrap(),
        ]
    );
    let listed = text(&h.send(OWNER, "/overrides").await);
    assert_eq!(
        listed,
        "Date overrides Mon 3 Jun – Mon 17 Jun:\n\
         Thu 6 Jun (2030-06-06) · all staff · closed\n\
         Fri 7 Jun (2030-06-07) · #1 · 10:00-12:00, 13:00-15:00"
    );

    let removed = text(&h.send(OWNER, "/override_remove 2030-06-06 all").await);
    assert_eq!(
        removed,
        "The date override of Thu 6 Jun for all staff is removed."
    );
    assert_eq!(h.overrides().await.len(), 1);
    assert_eq!(
        text(&h.send(OWNER, "/override_remove 2030-06-06 all").await),
        "There is no such date override."
    );
}

#[tokio::test]
async fn refused_overrides_say_why_and_change_nothing() {
    let mut h = Harness::new(allow_list()).await;
    let cases = [
        (
            "/override 2030-06-07 9 closed",
            "There is no staff member 9.",
        ),
        (
            "/override 2030-06-07 all 14:00-10:00",
            "Not saved: a period must start before it ends (14:00 is not before 10:00). Nothing was changed.",
        ),
        (
            "/override 2030-06-07 all 10:00-14:00,13:00-15:00",
            "Not saved: periods on 2030-06-07 overlap: 10:00-14:00 and 13:00-15:00. Nothing was changed.",
        ),
        (
            "/override tomorrow all closed",
            "Usage: /override YYYY-MM-DD all|staff id closed|HH:MM-HH:MM[,HH:MM-HH:MM], for example /override 2030-06-05 all closed",
        ),
        (
            "/override_remove 2030-06-07",
            "Usage: /override_remove YYYY-MM-DD all|staff id",
        ),
        (
            "/overrides 2030-06-10 2030-06-01",
            "That period is reversed or too long.",
        ),
    ];
    for (command, answer) in cases {
        assert_eq!(text(&h.send(OWNER, command).await), answer, "{command}");
    }
    assert!(h.overrides().await.is_empty());
}

#[tokio::test]
async fn strangers_can_use_no_catalog_command() {
    let mut h = Harness::new(allow_list()).await;
    let (services, staff) = (h.services().await, h.staff().await);

    let first = h.send(STRANGER, "/services").await;
    assert_eq!(
        text(&first),
        "Sorry, this bot is for the staff of the business only."
    );
    for command in [
        "/services",
        "/service_add Trim | 30 | 10 EUR",
        "/service_edit 1 price 1 RUB",
        "/service_off 1",
        "/staff",
        "/staff_add Mallory",
        "/staff_rename 1 Mallory",
        "/staff_off 1",
        "/hours 1 mon off",
        "/overrides",
        "/override 2030-06-05 all closed",
        "/override_remove 2030-06-05 all",
        "/help",
    ] {
        assert!(nothing_shown(&h.send(STRANGER, command).await), "{command}");
    }
    assert_eq!(h.services().await, services);
    assert_eq!(h.staff().await, staff);
    assert!(h.overrides().await.is_empty());
}

#[tokio::test]
async fn help_lists_the_catalog_commands() {
    let mut h = Harness::new(allow_list()).await;
    let help = text(&h.send(OWNER, "/help").await);
    for command in [
        "/services",
        "/service_add",
        "/service_edit",
        "/service_off",
        "/staff_add",
        "/staff_rename",
        "/hours",
        "/overrides",
        "/override ",
        "/override_remove",
    ] {
        assert!(help.contains(command), "{command} missing from /help");
    }
}

#[tokio::test]
async fn refusals_are_told_in_the_readers_language() {
    let mut h = Harness::new(allow_list()).await;
    let before = (h.services().await, h.staff().await);
    let cases = [
        (
            "/service_add Стрижка | 0 | 1500 RUB",
            "Не сохранено: услуга должна длиться хотя бы минуту. Ничего не изменилось.",
        ),
        (
            "/service_edit 1 price 1500 рублей",
            "Не сохранено: валюта — трёхбуквенный код ISO 4217, например RUB или EUR, а получено «рублей». Ничего не изменилось.",
        ),
        (
            "/hours 1 mon 09:00-13:00,12:00-15:00",
            "Не сохранено: периоды на Mon пересекаются: 09:00-13:00 и 12:00-15:00. Ничего не изменилось.",
        ),
        ("/hours 9 mon off", "Мастера 9 нет."),
    ];
    for (command, answer) in cases {
        assert_eq!(text(&h.send_russian(command).await), answer, "{command}");
    }
    let long_name = format!("/staff_add {}", "Я".repeat(200));
    let refused = text(&h.send_russian(&long_name).await);
    assert!(
        refused.starts_with("Не сохранено: имя должно быть не длиннее 100 символов"),
        "{refused}"
    );
    assert_eq!((h.services().await, h.staff().await), before);
}

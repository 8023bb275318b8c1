//! The settings loaded from the example configuration, with one setting
//! changed at a time: defaults, overrides, and the one-line errors.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use booking_domain::{Minutes, StaffId};
use booking_ports::DispatchSettingsParts;

use super::catalog::PriceEntry;
use super::*;

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
const ADMIN_TOKEN: &str = "987654321:AAE9pQx7wL2mZk4rT8vN1bY6cH3jF5gD0sS_";

struct FakeEnvironment(HashMap<&'static str, String>);

impl Environment for FakeEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../booking.example.toml")
}

fn environment(pairs: &[(&'static str, &str)]) -> FakeEnvironment {
    let mut map: HashMap<&'static str, String> = HashMap::new();
    map.insert(env::CONFIG, example_path().display().to_string());
    map.insert(env::CLIENT_BOT_TOKEN, TOKEN.to_owned());
    for (k, v) in pairs {
        map.insert(k, (*v).to_owned());
    }
    FakeEnvironment(map)
}

fn file_error(text: &str) -> String {
    let file = file::parse::<file::ConfigFile>(Path::new("booking.toml"), text);
    match file.and_then(|f| f.validate(None)) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

fn example_with(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(example_path()).unwrap();
    assert!(text.contains(from), "the example has no {from:?}");
    text.replacen(from, to, 1)
}

#[test]
fn the_example_configuration_loads() {
    let settings = load(&environment(&[])).unwrap();
    assert_eq!(settings.business.name, "Studio Lotos");
    assert_eq!(settings.default_language, Language::Russian);
    assert_eq!(settings.catalog.services.len(), 3);
    assert_eq!(settings.catalog.staff.len(), 2);
    assert_eq!(settings.catalog.date_overrides.len(), 2);
    assert_eq!(settings.conversation_expiry, chrono::Duration::minutes(30));
    assert_eq!(settings.database.url(), DEFAULT_DATABASE_URL);
    let timeouts = settings.telegram_timeouts;
    assert_eq!(timeouts, TelegramTimeouts::default());
    assert!(
        timeouts.request > timeouts.polling,
        "a quiet poll must not time out"
    );
    assert_eq!(
        settings.telegram_api_url.as_str(),
        "https://api.telegram.org/"
    );
    let haircut = &settings.catalog.services[0];
    assert_eq!(haircut.price().minor(), 250_000);
    assert!(haircut.is_performed_by(StaffId::new(2).unwrap()));
}

#[test]
fn a_missing_token_names_the_variable() {
    let mut env = environment(&[]);
    env.0.remove(env::CLIENT_BOT_TOKEN);
    let error = load(&env).unwrap_err().to_string();
    assert!(
        error.starts_with("BOOKING_CLIENT_BOT_TOKEN is not set"),
        "{error}"
    );
}

#[test]
fn a_malformed_token_is_refused_without_being_printed() {
    let bad = "123456789:short-secret";
    let error = load(&environment(&[(env::CLIENT_BOT_TOKEN, bad)]))
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("BOOKING_CLIENT_BOT_TOKEN is invalid"),
        "{error}"
    );
    assert!(!error.contains("short-secret"), "{error}");
}

const ADMIN: &str = "
[admin]
allowed_user_ids = [1001, 1002]
session_hours = 8
notify_chat_ids = [-100200300]
[admin.staff_telegram_ids]
1 = 1001
2 = 2002
";

/// The example with `extra` appended, written to a temporary file.
fn example_plus(extra: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("booking.toml");
    let text = std::fs::read_to_string(example_path()).unwrap();
    std::fs::write(&path, format!("{text}{extra}")).unwrap();
    (dir, path.display().to_string())
}

#[test]
fn tokens_do_not_appear_in_debug_output() {
    let (_dir, config) = example_plus(ADMIN);
    let settings = load(&environment(&[
        (env::ADMIN_BOT_TOKEN, ADMIN_TOKEN),
        (env::CONFIG, &config),
        (env::PIN_PEPPER, "pepper-secret-value"),
    ]))
    .unwrap();
    let debug = format!("{settings:?}");
    assert!(
        !debug.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"),
        "{debug}"
    );
    assert!(debug.contains("bot 123456789"));
    assert!(!debug.contains("pepper-secret-value"), "{debug}");
}

#[test]
fn the_admin_section_gives_access_and_staff_chats() {
    let (_dir, config) = example_plus(ADMIN);
    let settings = load(&environment(&[
        (env::CONFIG, &config),
        (env::PIN_PEPPER, "pepper"),
    ]))
    .unwrap();
    let admin = settings.admin.unwrap();
    assert_eq!(admin.access.allowed_users, BTreeSet::from([1001, 1002]));
    assert_eq!(admin.access.session_lifetime, chrono::Duration::hours(8));
    assert!(admin.access.pepper.is_some());
    let anna = StaffId::new(1).unwrap();
    let maria = StaffId::new(2).unwrap();
    assert_eq!(admin.access.staff_members.get(&2002), Some(&maria));
    assert_eq!(admin.staff_chats.chats_for(anna), [-100_200_300, 1001]);
    assert_eq!(admin.staff_chats.chats_for(maria), [-100_200_300, 2002]);
}

#[test]
fn reminders_and_dispatch_have_defaults_and_can_be_set() {
    let settings = load(&environment(&[])).unwrap();
    let minutes = |m: i64| Minutes::new(m).unwrap();
    assert_eq!(
        settings.engine.customer_reminders(),
        [minutes(1440), minutes(120)]
    );
    assert_eq!(settings.engine.staff_reminder(), None);
    assert_eq!(settings.dispatch, DispatchSettings::default());
    assert!(settings.admin.is_none());

    let (_dir, config) = example_plus(
        "\n[dispatch]\nconcurrency = 2\nper_bot_per_second = 20\npoll_interval_seconds = 5\n",
    );
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "customer_offsets_minutes = [1440, 120]\n# staff_offset_minutes = 60",
        "customer_offsets_minutes = [180]\nstaff_offset_minutes = 30",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let settings = load(&environment(&[(env::CONFIG, &config)])).unwrap();
    assert_eq!(settings.engine.customer_reminders(), [minutes(180)]);
    assert_eq!(settings.engine.staff_reminder(), Some(minutes(30)));
    let parts = settings.dispatch.parts();
    assert_eq!(parts.concurrency, 2);
    assert_eq!(parts.per_bot_per_second, 20);
    assert_eq!(parts.poll_interval, chrono::Duration::seconds(5));
    assert_eq!(
        parts.batch_size,
        DispatchSettingsParts::default().batch_size
    );
}

#[test]
fn the_claim_lease_outlasts_a_long_request_timeout_unless_set() {
    let (_dir, config) = example_plus("");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "# request_timeout_seconds = 30",
        "request_timeout_seconds = 120",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let settings = load(&environment(&[(env::CONFIG, &config)])).unwrap();
    assert_eq!(
        settings.dispatch.parts().claim_lease,
        chrono::Duration::seconds(150),
        "a claim must outlast the longest send"
    );
}

#[test]
fn an_admin_token_without_an_admin_section_is_refused() {
    let error = load(&environment(&[(env::ADMIN_BOT_TOKEN, ADMIN_TOKEN)]))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("admin is not set"), "{error}");
    assert!(error.contains("[admin]"), "{error}");
}

#[test]
fn bad_admin_reminder_and_dispatch_settings_name_the_setting_in_one_line() {
    let admin = |body: &str| format!("\n[admin]\n{body}\n");
    let cases = [
        (
            admin("allowed_user_ids = []"),
            "admin is invalid: the admin bot needs",
        ),
        (
            admin("allowed_user_ids = [-5]"),
            "admin.allowed_user_ids is invalid",
        ),
        (
            admin("allowed_user_ids = [1]\nsession_hours = 0"),
            "admin.session_hours is invalid",
        ),
        (admin("pin_hash = \"1234\""), "admin.pin_hash is invalid"),
        (
            admin("allowed_user_ids = [1]\n[admin.staff_telegram_ids]\n9 = 1001"),
            "admin.staff_telegram_ids.9 is invalid",
        ),
        (
            admin("allowed_user_ids = [1]\n[admin.staff_telegram_ids]\n1 = -3"),
            "admin.staff_telegram_ids.1 is invalid",
        ),
        (
            admin("allowed_user_ids = [1]\nnotify_chat_ids = [0]"),
            "admin.notify_chat_ids is invalid",
        ),
        (
            "\n[dispatch]\nconcurrency = 0\n".to_owned(),
            "dispatch is invalid",
        ),
        (
            "\n[dispatch]\nbatch_size = 0\n".to_owned(),
            "dispatch is invalid",
        ),
        (
            "\n[dispatch]\nclaim_lease_seconds = 30\n".to_owned(),
            "dispatch.claim_lease_seconds is invalid: expected more than \
             telegram.request_timeout_seconds (30 s)",
        ),
        (
            "\n[dispatch]\npoll_interval_seconds = 20\nclaim_lease_seconds = 35\n".to_owned(),
            "dispatch is invalid: the claim lease must be longer than twice the poll interval",
        ),
    ];
    for (extra, expected) in cases {
        let text = format!(
            "{}{extra}",
            std::fs::read_to_string(example_path()).unwrap()
        );
        let error = file_error(&text);
        assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        assert!(!error.contains('\n'), "{error:?} is not one line");
    }
    for (from, to, expected) in [
        (
            "customer_offsets_minutes = [1440, 120]",
            "customer_offsets_minutes = [0]",
            "reminders is invalid",
        ),
        (
            "customer_offsets_minutes = [1440, 120]",
            "customer_offsets_minutes = [-60]",
            "reminders.customer_offsets_minutes is invalid",
        ),
        (
            "# staff_offset_minutes = 60",
            "staff_offset_minutes = 0",
            "reminders is invalid",
        ),
    ] {
        let error = file_error(&example_with(from, to));
        assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        assert!(!error.contains('\n'), "{error:?} is not one line");
    }
}

#[test]
fn environment_overrides_take_effect() {
    let settings = load(&environment(&[
        (env::DATABASE_URL, "sqlite:///tmp/x.db"),
        (env::TELEGRAM_API_URL, "http://127.0.0.1:8081"),
    ]))
    .unwrap();
    assert_eq!(settings.database.url(), "sqlite:///tmp/x.db");
    assert_eq!(settings.telegram_api_url.as_str(), "http://127.0.0.1:8081/");
}

#[test]
fn a_bad_api_url_names_the_variable() {
    let error = load(&environment(&[(env::TELEGRAM_API_URL, "ftp://x")]))
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("BOOKING_TELEGRAM_API_URL is invalid"),
        "{error}"
    );
}

#[test]
fn plain_http_to_the_bot_api_is_refused_unless_it_stays_on_this_machine() {
    for local in [
        "http://127.0.0.1:8081",
        "http://localhost:8081/",
        "http://[::1]:8081",
        "https://api.example.org",
    ] {
        assert!(
            load(&environment(&[(env::TELEGRAM_API_URL, local)])).is_ok(),
            "{local}"
        );
    }
    for remote in [
        "http://10.0.0.5:8081",
        "http://api.example.org",
        "http://localhost.evil.org",
    ] {
        let error = load(&environment(&[(env::TELEGRAM_API_URL, remote)]))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("BOOKING_TELEGRAM_API_URL is invalid: plain http://"),
            "{remote}: {error}"
        );
    }
}

#[test]
fn the_same_bot_for_customers_and_staff_is_refused_even_with_another_secret() {
    let (_dir, config) = example_plus(ADMIN);
    let same_bot_new_secret = "123456789:AAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    for admin in [TOKEN, same_bot_new_secret] {
        let error = load(&environment(&[
            (env::ADMIN_BOT_TOKEN, admin),
            (env::CONFIG, &config),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("BOOKING_ADMIN_BOT_TOKEN is invalid: it is the client bot's token"),
            "{error}"
        );
        assert!(
            !error.contains("AAHdq") && !error.contains("AAxx"),
            "{error}"
        );
    }
}

#[test]
fn a_missing_config_file_says_which_and_how_to_change_it() {
    let error = load(&environment(&[(env::CONFIG, "/nonexistent/booking.toml")]))
        .unwrap_err()
        .to_string();
    assert!(error.contains("/nonexistent/booking.toml"), "{error}");
    assert!(error.contains("BOOKING_CONFIG"), "{error}");
}

#[test]
fn file_errors_name_the_setting_in_one_line() {
    let cases = [
        (
            example_with(
                "time_zone = \"Europe/Moscow\"",
                "time_zone = \"Mars/Olympus\"",
            ),
            "business.time_zone is invalid",
        ),
        (
            example_with("horizon_days = 30", "horizon_days = \"soon\""),
            "line 34 (horizon_days)",
        ),
        (
            example_with("horizon_days = 30", "horizon_day = 30"),
            "horizon_day",
        ),
        (
            example_with("slot_step_minutes = 15", "slot_step_minutes = 7"),
            "policy is invalid: the slot step",
        ),
        (
            example_with("price = \"1500\"", "price = \"15,00\""),
            "services[1].price is invalid",
        ),
        (
            example_with("staff = [1]\n", "staff = [9]\n"),
            "services[1].staff is invalid",
        ),
        (
            example_with("mon = [\"10:00-14:00\"", "mon = [\"10:00-24:30\""),
            "staff[0].hours.mon is invalid",
        ),
        (
            example_with("default_language = \"ru\"", "default_language = \"xx\""),
            "business.default_language is invalid",
        ),
        (
            example_with(
                "conversation_expiry_minutes = 30",
                "conversation_expiry_minutes = 0",
            ),
            "telegram.conversation_expiry_minutes is invalid",
        ),
        (
            example_with(
                "conversation_expiry_minutes = 30",
                "conversation_expiry_minutes = 30\npolling_timeout_seconds = 40\nrequest_timeout_seconds = 30",
            ),
            "telegram.request_timeout_seconds is invalid: expected 45 to 300 seconds",
        ),
        (
            example_with(
                "conversation_expiry_minutes = 30",
                "conversation_expiry_minutes = 30\npolling_timeout_seconds = 51",
            ),
            "telegram.polling_timeout_seconds is invalid",
        ),
        (
            example_with(
                "conversation_expiry_minutes = 30",
                "conversation_expiry_minutes = 30\nconnect_timeout_seconds = 0",
            ),
            "telegram.connect_timeout_seconds is invalid",
        ),
    ];
    for (text, expected) in cases {
        let error = file_error(&text);
        assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        assert!(!error.contains('\n'), "{error:?} is not one line");
    }
}

#[test]
fn prices_are_read_exactly_in_minor_units() {
    let rub = Currency::new("RUB").unwrap();
    let jpy = Currency::new("JPY").unwrap();
    let minor = |p: PriceEntry, c| p.money(c).map(|m| m.minor()).ok();
    assert_eq!(minor(PriceEntry::Whole(1500), rub), Some(150_000));
    assert_eq!(minor(PriceEntry::Text("1500.5".into()), rub), Some(150_050));
    assert_eq!(minor(PriceEntry::Text("0.05".into()), rub), Some(5));
    assert_eq!(minor(PriceEntry::Text("1500.505".into()), rub), None);
    assert_eq!(minor(PriceEntry::Text("-5".into()), rub), None);
    assert_eq!(minor(PriceEntry::Text("1500".into()), jpy), Some(1500));
    assert_eq!(minor(PriceEntry::Text("1500.5".into()), jpy), None);
}

#[test]
fn the_catalog_written_by_the_serializer_reads_back_as_the_same_catalog() {
    let settings = load(&environment(&[])).unwrap();
    let text = toml::to_string(&CatalogFile::from(&settings.catalog)).unwrap();

    let file = file::parse::<CatalogFile>(Path::new("catalog.toml"), &text).unwrap();
    let read = file.validate(settings.currency).unwrap();

    assert_eq!(read.staff, settings.catalog.staff);
    assert_eq!(read.services, settings.catalog.services);
    assert_eq!(read.date_overrides, settings.catalog.date_overrides);
    assert!(text.contains("price = \"2500.00\""), "{text}");
}

#[test]
fn a_pin_without_an_allow_list_needs_the_explicit_choice_and_owners_hear_of_pauses() {
    let phc = adapter_telegram::admin::hash_pin("482913", None).unwrap();
    let example = std::fs::read_to_string(example_path()).unwrap();
    let pin_only =
        format!("{example}\n[admin]\npin_hash = \"{phc}\"\nnotify_chat_ids = [-100200300]\n");

    let error = file_error(&pin_only);
    assert!(error.contains("admin is invalid"), "{error}");
    assert!(error.contains("pin_without_allow_list = true"), "{error}");

    let chosen = pin_only.replace(
        "\n[admin]\npin_hash",
        "\n[admin]\npin_without_allow_list = true\npin_hash",
    );
    let settings = file::parse::<file::ConfigFile>(Path::new("booking.toml"), &chosen)
        .and_then(|f| f.validate(None))
        .unwrap();
    let access = &settings.admin.unwrap().access;
    assert!(access.pin_without_allow_list);
    assert!(access.allowed_users.is_empty());
    assert_eq!(access.owner_chats, vec![-100_200_300]);
}

#[test]
fn lifecycle_rules_have_defaults_zero_turns_them_off_and_bad_values_name_the_setting() {
    let minutes = |m: i64| Some(Minutes::new(m).unwrap());
    let defaults = load(&environment(&[])).unwrap().engine.lifecycle();
    assert_eq!(defaults, booking_ports::LifecycleSettings::recommended());

    let (_dir, config) = example_plus(
        "\n[lifecycle]\npending_expiry_minutes = 60\nconfirmation_reminder_minutes = 15\n\
         complete_after_minutes = 0\n",
    );
    let set = load(&environment(&[(env::CONFIG, &config)]))
        .unwrap()
        .engine
        .lifecycle();
    assert_eq!(
        (
            set.pending_expiry(),
            set.confirmation_reminder(),
            set.complete_after()
        ),
        (minutes(60), minutes(15), None)
    );

    let (_dir, config) = example_plus("\n[lifecycle]\npending_expiry_minutes = 0\n");
    let off = load(&environment(&[(env::CONFIG, &config)]))
        .unwrap()
        .engine
        .lifecycle();
    assert_eq!(
        (off.pending_expiry(), off.confirmation_reminder()),
        (None, None),
        "no expiry, so no reminder of it"
    );

    let example = std::fs::read_to_string(example_path()).unwrap();
    for (section, expected) in [
        (
            "pending_expiry_minutes = -5",
            "lifecycle.pending_expiry_minutes is invalid",
        ),
        (
            "pending_expiry_minutes = 60\nconfirmation_reminder_minutes = 60",
            "lifecycle.confirmation_reminder_minutes is invalid",
        ),
        (
            "pending_expiry_minutes = 0\nconfirmation_reminder_minutes = 30",
            "lifecycle.confirmation_reminder_minutes is invalid",
        ),
        ("complete_after = 5", "complete_after"),
    ] {
        let error = file_error(&format!("{example}\n[lifecycle]\n{section}\n"));
        assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        assert!(!error.contains('\n'), "{error:?} is not one line");
    }
}

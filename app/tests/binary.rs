//! The `booking` binary itself, run as a process against a temporary
//! database and a fake Bot API on 127.0.0.1: it starts, imports the example
//! catalog, answers `/start`, stops cleanly on SIGTERM, and refuses to start
//! with a clear line when a setting is missing. No network beyond loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    ADMIN_TOKEN, GIVE_UP, SECRET_PART, TOKEN, Workspace, next_request, refused_settings,
    start_fake_telegram, start_update, terminate,
};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn the_binary_answers_start_and_stops_cleanly_on_sigterm() {
    let (address, fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let database_url = format!("sqlite://{}", workspace.database().display());
    fake.push_update(start_update(1, 1001));

    let child = workspace
        .command()
        .arg("run")
        .env("BOOKING_CLIENT_BOT_TOKEN", TOKEN)
        .env("BOOKING_DATABASE_URL", &database_url)
        .env("BOOKING_TELEGRAM_API_URL", format!("http://{address}"))
        .spawn()
        .unwrap();

    let body = next_request(&mut requests, "sendmessage").await;
    assert_eq!(body["chat_id"], json!(1001));
    let text = body["text"].as_str().unwrap();
    assert!(text.starts_with("Welcome to Studio Lotos!"), "{text}");
    let first_button = &body["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(first_button["text"], json!("📅 Book"));
    assert_eq!(first_button["callback_data"], json!("m:b"));

    // While the bot runs: an online backup works, and restoring it is
    // refused because `booking run` holds the database's run lock.
    let backup = workspace.dir.path().join("live-backup.db");
    let backed_up = workspace
        .command()
        .args(["backup", backup.to_str().unwrap()])
        .env("BOOKING_DATABASE_URL", &database_url)
        .output()
        .await
        .unwrap();
    assert_eq!(backed_up.status.code(), Some(0), "{backed_up:?}");
    let restore = workspace
        .command()
        .args(["restore", backup.to_str().unwrap()])
        .env("BOOKING_DATABASE_URL", &database_url)
        .output()
        .await
        .unwrap();
    assert_eq!(restore.status.code(), Some(3), "{restore:?}");
    assert!(
        String::from_utf8_lossy(&restore.stderr).contains("another booking process is running"),
        "{restore:?}"
    );

    terminate(&child);
    let output = tokio::time::timeout(GIVE_UP, child.wait_with_output())
        .await
        .expect("the bot did not stop on SIGTERM")
        .unwrap();
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {:?}: {logs}", output.status);
    assert!(logs.contains("SIGTERM received"), "{logs}");
    assert!(
        !logs.contains(SECRET_PART),
        "the token leaked into the logs: {logs}"
    );
    assert!(logs.contains("catalog imported"), "{logs}");

    // The catalog of the example file is in the new database.
    use booking_ports::CatalogStore;
    let store = adapter_sqlite::SqliteStore::open(&adapter_sqlite::SqliteSettings::new(
        workspace.database(),
    ))
    .await
    .unwrap();
    assert_eq!(store.services().await.unwrap().len(), 3);
    assert_eq!(store.staff().await.unwrap().len(), 2);
    store.close().await;
}

#[tokio::test]
async fn a_missing_token_stops_startup_with_one_line_naming_it() {
    let workspace = Workspace::new();

    let output = workspace.command().output().await.unwrap();

    let stderr = refused_settings(&output);
    assert!(
        stderr.starts_with("booking: BOOKING_CLIENT_BOT_TOKEN is not set"),
        "{stderr}"
    );
    assert!(
        !workspace.database().exists(),
        "nothing starts without settings"
    );
}

/// A `.env` in a parent directory is not read: only the working
/// directory's. Here the parent's `.env` holds the token, so reading it
/// would get past the missing-token check.
#[tokio::test]
async fn a_dotenv_in_a_parent_directory_is_not_read_but_the_working_directorys_is() {
    let workspace = Workspace::new();
    let nested = workspace.dir.path().join("nested");
    std::fs::create_dir(&nested).unwrap();
    std::fs::copy(
        workspace.dir.path().join("booking.toml"),
        nested.join("booking.toml"),
    )
    .unwrap();
    std::fs::write(
        workspace.dir.path().join(".env"),
        format!("BOOKING_CLIENT_BOT_TOKEN={TOKEN}\n"),
    )
    .unwrap();

    let from_nested = workspace
        .command()
        .current_dir(&nested)
        .arg("check-config")
        .output()
        .await
        .unwrap();
    let stderr = refused_settings(&from_nested);
    assert!(
        stderr.starts_with("booking: BOOKING_CLIENT_BOT_TOKEN is not set"),
        "{stderr}"
    );

    let from_its_own_directory = workspace
        .command()
        .arg("check-config")
        .output()
        .await
        .unwrap();
    assert!(
        from_its_own_directory.status.success(),
        "{}",
        String::from_utf8_lossy(&from_its_own_directory.stderr)
    );
}

#[tokio::test]
async fn a_malformed_setting_names_the_setting_and_never_prints_the_token() {
    let workspace = Workspace::new();
    let config = workspace.dir.path().join("booking.toml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("Europe/Moscow", "Europe/Atlantis");
    std::fs::write(&config, text).unwrap();

    let output = workspace
        .command()
        .env("BOOKING_CLIENT_BOT_TOKEN", TOKEN)
        .output()
        .await
        .unwrap();

    let stderr = refused_settings(&output);
    assert!(stderr.contains("business.time_zone is invalid"), "{stderr}");
    assert!(!stderr.contains(SECRET_PART));
}

/// Anna (staff id 1 in the example) in the admin bot.
const ANNAS_TELEGRAM_ID: i64 = 5005;

/// A booking made before the start (as the client bot would make it: through
/// the engine, on the same database) is announced to its staff member by the
/// admin bot once `booking run` starts: the outbox survives the restart and
/// the dispatcher delivers it through the admin bot's token.
#[tokio::test]
async fn a_new_booking_reaches_its_staff_member_through_the_admin_bot() {
    use booking_domain::{ServiceId, StaffChoice, StaffId};
    use booking_ports::engine::BookingForm;
    use booking_ports::{Engine, EngineSettings, SystemClock};

    let (address, _fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let config = workspace.dir.path().join("booking.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[admin]\nallowed_user_ids = [{ANNAS_TELEGRAM_ID}]\n[admin.staff_telegram_ids]\n1 = {ANNAS_TELEGRAM_ID}\n"
    ));
    std::fs::write(&config, text).unwrap();
    let database_url = format!("sqlite://{}", workspace.database().display());

    // Book through the engine on the binary's database, before it starts.
    struct Env(Vec<(&'static str, String)>);
    impl app::config::Environment for Env {
        fn var(&self, name: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        }
    }
    let settings = app::config::load(&Env(vec![
        ("BOOKING_CONFIG", config.display().to_string()),
        ("BOOKING_CLIENT_BOT_TOKEN", TOKEN.to_owned()),
    ]))
    .unwrap();
    let app::database::Store::Sqlite(store) =
        app::database::open(&app::database::DatabaseSettings::from_url(&database_url).unwrap())
            .await
            .unwrap()
    else {
        panic!("a sqlite:// URL opens SQLite");
    };
    let engine = Engine::on_store(
        store.clone(),
        SystemClock,
        settings.policy.clone(),
        EngineSettings::default(),
    );
    engine
        .import_catalog_if_empty(settings.catalog.clone())
        .await
        .unwrap();
    let service = ServiceId::new(1).unwrap();
    let anna = StaffChoice::Only(StaffId::new(1).unwrap());
    let today = chrono::Utc::now().date_naive();
    let days = engine
        .days_with_free_times(service, anna, today, today + chrono::Days::new(30))
        .await
        .unwrap();
    let times = engine.free_times(service, anna, days[0]).await.unwrap();
    let booked = engine
        .book(
            booking_domain::CustomerId::new(1001).unwrap(),
            BookingForm {
                service,
                staff: anna,
                start: times[0].start,
                name: "Ivan".to_owned(),
                phone: "+79161234567".to_owned(),
                comment: None,
                language: None,
            },
        )
        .await
        .unwrap();
    store.close().await;

    let child = workspace
        .command()
        .arg("run")
        .env("BOOKING_CLIENT_BOT_TOKEN", TOKEN)
        .env("BOOKING_ADMIN_BOT_TOKEN", ADMIN_TOKEN)
        .env("BOOKING_DATABASE_URL", &database_url)
        .env("BOOKING_TELEGRAM_API_URL", format!("http://{address}"))
        .spawn()
        .unwrap();

    let notice = tokio::time::timeout(GIVE_UP, async {
        loop {
            let (method, body) = requests.recv().await.unwrap();
            if method == "sendmessage" && body["chat_id"] == json!(ANNAS_TELEGRAM_ID) {
                return body;
            }
        }
    })
    .await
    .expect("the staff member was never told");
    assert_eq!(notice["_bot"], json!("987654321"), "sent by the admin bot");
    let text = notice["text"].as_str().unwrap();
    let id = booked.booking.id().get();
    assert!(text.starts_with("🆕"), "{text}");
    assert!(text.contains(&format!("#{id}")), "{text}");
    let button = &notice["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(button["callback_data"], json!(format!("b:{id}")));

    terminate(&child);
    let output = tokio::time::timeout(GIVE_UP, child.wait_with_output())
        .await
        .expect("the service did not stop on SIGTERM")
        .unwrap();
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {:?}: {logs}", output.status);
    assert!(
        !logs.contains("AAE9pQx7wL2mZk4rT8vN1bY6cH3jF5gD0sS_"),
        "{logs}"
    );
}

/// `booking run` with JSON logs in a file, at TRACE for every target, with
/// an `[admin]` section and a PIN pepper but no admin token (so a warning
/// is logged): every line in the file is a JSON object, the last one
/// ("stopped") is there after SIGTERM, standard error gets the warning and
/// nothing below it, and neither the token nor the pepper is written
/// anywhere. (With an admin token both bots would poll this fake, which
/// hands the one update to whichever asks first.)
#[tokio::test]
async fn json_logs_go_to_the_log_file_and_hold_no_secret() {
    const PEPPER: &str = "pepper-that-must-never-be-logged-7f3a";
    let (address, fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let config = workspace.dir.path().join("booking.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[admin]\nallowed_user_ids = [{ANNAS_TELEGRAM_ID}]\n\n[log]\nformat = \"json\"\nfile = \"logs/booking.log\"\n"
    ));
    std::fs::write(&config, text).unwrap();
    fake.push_update(start_update(1, 1001));

    let mut child = workspace
        .command()
        .arg("run")
        .env("RUST_LOG", "trace")
        .env("BOOKING_LOG_MAX_FILES", "2")
        .env("BOOKING_CLIENT_BOT_TOKEN", TOKEN)
        .env("BOOKING_PIN_PEPPER", PEPPER)
        .env(
            "BOOKING_DATABASE_URL",
            format!("sqlite://{}", workspace.database().display()),
        )
        .env("BOOKING_TELEGRAM_API_URL", format!("http://{address}"))
        .spawn()
        .unwrap();
    // A binary that stops at once (a setting it does not know) fails here
    // with its error line rather than at the safety net.
    tokio::select! {
        () = async { while requests.recv().await.unwrap().0 != "sendmessage" {} } => {}
        exit = child.wait() => {
            let mut stderr = String::new();
            child.stderr.take().unwrap().read_to_string(&mut stderr).await.unwrap();
            panic!("booking stopped before answering /start ({exit:?}): {stderr}");
        }
        () = tokio::time::sleep(GIVE_UP) => panic!("the bot never answered /start"),
    }
    terminate(&child);
    let output = tokio::time::timeout(GIVE_UP, child.wait_with_output())
        .await
        .expect("the service did not stop on SIGTERM")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );

    let logs = workspace.dir.path().join("logs");
    let mut files: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() <= 2, "{files:?}");
    // Oldest first, so the lines are in the order they were written.
    let lines: Vec<String> = files
        .iter()
        .rev()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let events: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["fields"]["message"].as_str())
        .collect();
    assert!(messages.contains(&"bots starting"), "{messages:?}");
    assert!(
        messages.contains(&"SIGTERM received; stopping"),
        "{messages:?}"
    );
    assert_eq!(messages.last(), Some(&"stopped"), "the last line was lost");
    assert!(
        events.iter().any(|e| e["level"] == "TRACE"),
        "RUST_LOG=trace wins over the default"
    );

    assert!(
        stderr.contains("WARN [admin] is configured but BOOKING_ADMIN_BOT_TOKEN is not set"),
        "{stderr}"
    );
    for line in stderr.lines() {
        assert!(
            line.contains(" WARN ") || line.contains(" ERROR "),
            "standard error holds more than warnings: {line}"
        );
    }
    for secret in [SECRET_PART, PEPPER] {
        assert!(!stderr.contains(secret), "{secret} on standard error");
        let leaked: Vec<_> = lines.iter().filter(|l| l.contains(secret)).collect();
        assert!(leaked.is_empty(), "{secret} in the log file: {leaked:#?}");
    }
}

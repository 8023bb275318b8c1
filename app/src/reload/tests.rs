//! The reloader against the example config in a temporary directory, with
//! the real engine (in memory), locales, conversation storage and admin
//! access gate as the running service would have them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use adapter_telegram::admin::Access;
use adapter_telegram::notify::NoticeSettings;
use adapter_telegram::{BusinessInfo, ConversationStorage, Language, Live, Locales};
use booking_domain::{Minutes, StaffId};
use booking_ports::{BotName, Engine, ManualClock, MemoryStore};
use chrono::{TimeZone, Utc};

use super::*;
use crate::config::env;

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
const ADMIN_TOKEN: &str = "987654321:AAE9pQx7wL2mZk4rT8vN1bY6cH3jF5gD0sS_";

/// A safety net for the watcher tests: they await the reload itself, this
/// only keeps a broken watcher from hanging them.
const GIVE_UP: Duration = Duration::from_secs(60);

/// The admin bot's section, appended to the example.
const ADMIN: &str = "
[admin]
allowed_user_ids = [1001]
notify_chat_ids = [-100200300]
[admin.staff_telegram_ids]
1 = 1001
";

struct FakeEnvironment(HashMap<&'static str, String>);

impl Environment for FakeEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    engine: Arc<Engine>,
    locales: Arc<Locales>,
    business: Live<BusinessInfo>,
    conversations: Arc<ConversationStorage>,
    access: Arc<Access>,
    notices: Live<NoticeSettings>,
    reloader: Reloader<FakeEnvironment>,
}

impl Fixture {
    /// The example salon with an admin section, loaded and running.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("booking.toml");
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../booking.example.toml");
        let text = std::fs::read_to_string(example).unwrap();
        std::fs::write(&path, format!("{text}{ADMIN}")).unwrap();
        let environment = FakeEnvironment(HashMap::from([
            (env::CONFIG, path.display().to_string()),
            (env::CLIENT_BOT_TOKEN, TOKEN.to_owned()),
            (env::ADMIN_BOT_TOKEN, ADMIN_TOKEN.to_owned()),
        ]));
        let settings = config::load(&environment).unwrap();

        let store = MemoryStore::default();
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2030, 6, 3, 7, 0, 0).unwrap());
        let engine = Arc::new(Engine::on_store(
            store.clone(),
            clock.clone(),
            settings.policy.clone(),
            settings.engine.clone(),
        ));
        let locales = Arc::new(Locales::load(settings.default_language).unwrap());
        let business = Live::new(settings.business.clone());
        let conversations = Arc::new(ConversationStorage::new(
            Arc::new(store.clone()),
            Arc::new(clock.clone()),
            BotName::new("client").unwrap(),
            settings.conversation_expiry,
        ));
        let admin = settings.admin.clone().unwrap();
        let access =
            Arc::new(Access::new(admin.access, Arc::new(store.clone()), Arc::new(clock)).unwrap());
        let notices = Live::new(NoticeSettings {
            time_zone: settings.policy.time_zone(),
            staff_chats: admin.staff_chats,
        });
        let reloader = Reloader::new(
            settings,
            environment,
            LiveSettings {
                engine: engine.clone(),
                locales: Arc::clone(&locales),
                business: business.clone(),
                conversations: vec![Arc::clone(&conversations)],
                admin_access: Some(Arc::clone(&access)),
                notices: notices.clone(),
            },
        );
        Self {
            _dir: dir,
            path,
            engine,
            locales,
            business,
            conversations,
            access,
            notices,
            reloader,
        }
    }

    fn edit(&self, replacements: &[(&str, &str)]) {
        save_edited(&self.path, replacements);
    }

    fn min_notice(&self) -> i64 {
        i64::from(self.engine.policy().min_notice().get())
    }
}

/// Saves the file at `path` with each `(from, to)` replaced once, the way
/// editors save: a new file renamed over the old one.
fn save_edited(path: &Path, replacements: &[(&str, &str)]) {
    let mut text = std::fs::read_to_string(path).unwrap();
    for (from, to) in replacements {
        assert!(text.contains(from), "the file has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    let saving = path.with_extension("toml.saving");
    std::fs::write(&saving, text).unwrap();
    std::fs::rename(&saving, path).unwrap();
}

fn loaded(outcome: ReloadOutcome) -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
    match outcome {
        ReloadOutcome::Loaded {
            applied,
            need_restart,
            catalog_ignored,
        } => (applied, need_restart, catalog_ignored),
        ReloadOutcome::Rejected { error } => panic!("rejected: {error}"),
    }
}

fn rejected(outcome: ReloadOutcome) -> String {
    match outcome {
        ReloadOutcome::Rejected { error } => error,
        other => panic!("loaded: {other:?}"),
    }
}

#[test]
fn a_reload_applies_the_new_policy_texts_reminders_and_allow_list() {
    let mut f = Fixture::new();

    f.edit(&[
        ("name = \"Studio Lotos\"", "name = \"Studio Lilac\""),
        ("default_language = \"ru\"", "default_language = \"en\""),
        (
            "time_zone = \"Europe/Moscow\"",
            "time_zone = \"Europe/Berlin\"",
        ),
        ("min_notice_minutes = 60", "min_notice_minutes = 240"),
        (
            "conversation_expiry_minutes = 30",
            "conversation_expiry_minutes = 10",
        ),
        (
            "customer_offsets_minutes = [1440, 120]",
            "customer_offsets_minutes = [180]",
        ),
        (
            "allowed_user_ids = [1001]",
            "allowed_user_ids = [1001, 1002]",
        ),
        (
            "notify_chat_ids = [-100200300]",
            "notify_chat_ids = [-100200301]",
        ),
    ]);
    let (applied, need_restart, catalog) = loaded(f.reloader.reload());

    assert_eq!(
        applied,
        [
            "business.name",
            "business.default_language",
            "business.time_zone",
            "policy.min_notice_minutes",
            "telegram.conversation_expiry_minutes",
            "reminders.customer_offsets_minutes",
            "admin.allowed_user_ids",
            "admin.notify_chat_ids",
        ]
    );
    assert!(need_restart.is_empty() && catalog.is_empty());
    assert_eq!(f.business.get().name, "Studio Lilac");
    assert_eq!(f.locales.default_language(), Language::English);
    let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    assert_eq!(f.engine.policy().time_zone(), berlin);
    assert_eq!(f.min_notice(), 240);
    assert_eq!(
        f.engine.settings().customer_reminders(),
        [Minutes::new(180).unwrap()]
    );
    assert_eq!(f.conversations.idle_expiry(), chrono::Duration::minutes(10));
    assert_eq!(
        f.access.config().allowed_users,
        BTreeSet::from([1001, 1002])
    );
    let notices = f.notices.get();
    assert_eq!(notices.time_zone, berlin);
    assert_eq!(
        notices.staff_chats.chats_for(StaffId::new(1).unwrap()),
        [-100_200_301, 1001]
    );
    assert_eq!(f.reloader.in_force().business.name, "Studio Lilac");
}

#[test]
fn a_file_that_does_not_parse_or_validate_keeps_the_settings_in_force() {
    let mut f = Fixture::new();

    f.edit(&[
        ("name = \"Studio Lotos\"", "name = \"Studio Lilac\""),
        ("horizon_days = 30", "horizon_days = \"soon\""),
    ]);
    let syntax = rejected(f.reloader.reload());
    assert!(
        syntax.ends_with(
            "booking.toml, line 34 (horizon_days): invalid type: string \"soon\", expected u16"
        ),
        "{syntax}"
    );
    assert_eq!(f.business.get().name, "Studio Lotos");

    f.edit(&[
        ("horizon_days = \"soon\"", "horizon_days = 30"),
        ("min_notice_minutes = 60", "min_notice_minutes = 240"),
        ("allowed_user_ids = [1001]", "allowed_user_ids = [-5]"),
    ]);
    let invalid = rejected(f.reloader.reload());
    assert!(
        invalid.starts_with("admin.allowed_user_ids is invalid"),
        "{invalid}"
    );
    assert!(!invalid.contains('\n'), "{invalid}");
    assert_eq!(f.business.get().name, "Studio Lotos");
    assert_eq!(f.min_notice(), 60);
    assert_eq!(f.access.config().allowed_users, BTreeSet::from([1001]));

    // The next good save recovers, with everything the broken ones held.
    f.edit(&[("allowed_user_ids = [-5]", "allowed_user_ids = [1002]")]);
    let (applied, _, _) = loaded(f.reloader.reload());
    assert_eq!(
        applied,
        [
            "business.name",
            "policy.min_notice_minutes",
            "admin.allowed_user_ids"
        ]
    );
    assert_eq!(f.business.get().name, "Studio Lilac");
    assert_eq!(f.min_notice(), 240);
    assert_eq!(f.access.config().allowed_users, BTreeSet::from([1002]));
}

#[test]
fn a_change_that_needs_a_restart_is_named_and_not_applied() {
    let mut f = Fixture::new();
    let timeouts = f.reloader.in_force().telegram_timeouts;

    f.edit(&[
        (
            "# polling_timeout_seconds = 20",
            "polling_timeout_seconds = 10",
        ),
        ("price = \"1500\"", "price = \"1600\""),
        (
            ADMIN,
            &format!(
                "{ADMIN}\n[dispatch]\nconcurrency = 2\n[backup]\nkeep = 3\n[shutdown]\ndeadline_seconds = 30\n"
            ),
        ),
    ]);
    let (applied, need_restart, catalog) = loaded(f.reloader.reload());

    assert!(applied.is_empty(), "{applied:?}");
    assert_eq!(
        need_restart,
        [
            "telegram.polling_timeout_seconds",
            "dispatch.concurrency",
            "backup.keep",
            "shutdown.deadline_seconds"
        ]
    );
    assert_eq!(catalog, ["services"]);
    let in_force = f.reloader.in_force();
    assert_eq!(in_force.telegram_timeouts, timeouts);
    assert_eq!(in_force.dispatch.parts().concurrency, 8);
    // Still not in force, so the next reload says so again.
    let (_, again, _) = loaded(f.reloader.reload());
    assert_eq!(again, need_restart);
}

#[test]
fn an_unchanged_file_is_not_reloaded_again() {
    let mut f = Fixture::new();

    assert!(f.reloader.reload_if_changed().is_some(), "first read");
    assert_eq!(f.reloader.reload_if_changed(), None);
    f.edit(&[("min_notice_minutes = 60", "min_notice_minutes = 90")]);
    let (applied, _, _) = loaded(f.reloader.reload_if_changed().unwrap());

    assert_eq!(applied, ["policy.min_notice_minutes"]);
    assert_eq!(f.reloader.reload_if_changed(), None);
}

/// Waits for a reload whose outcome satisfies `wanted`.
async fn next_reload(
    reloads: &mut watch::Receiver<Reloads>,
    wanted: impl Fn(&ReloadOutcome) -> bool,
) -> ReloadOutcome {
    let found = tokio::time::timeout(
        GIVE_UP,
        reloads.wait_for(|r| r.last.as_ref().is_some_and(&wanted)),
    )
    .await
    .expect("the saved file was not reloaded")
    .unwrap();
    found.last.clone().unwrap()
}

#[tokio::test]
async fn saving_the_file_reloads_it_and_a_broken_save_is_reported_then_recovered() {
    let Fixture {
        _dir,
        path,
        business,
        engine,
        reloader,
        ..
    } = Fixture::new();
    let mut reloads = reloader.subscribe();
    let running = reloader.spawn();

    save_edited(&path, &[("horizon_days = 30", "horizon_days = \"soon\"")]);
    let broken = next_reload(&mut reloads, |o| {
        matches!(o, ReloadOutcome::Rejected { .. })
    })
    .await;
    let error = rejected(broken);
    assert!(error.contains("line 34 (horizon_days)"), "{error}");

    save_edited(
        &path,
        &[
            ("horizon_days = \"soon\"", "horizon_days = 30"),
            ("name = \"Studio Lotos\"", "name = \"Studio Lilac\""),
            ("min_notice_minutes = 60", "min_notice_minutes = 240"),
        ],
    );
    next_reload(&mut reloads, |o| {
        matches!(o, ReloadOutcome::Loaded { applied, .. } if applied.contains(&"business.name"))
    })
    .await;

    assert_eq!(business.get().name, "Studio Lilac");
    assert_eq!(engine.policy().min_notice().get(), 240);
    running.abort();
}

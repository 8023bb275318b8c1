//! Hot reload of the config file while `booking run` runs.
//!
//! When the file changes, or on SIGHUP, the whole settings are loaded again
//! through [`config::load`]: the same file, the same environment, the same
//! checks as at start. A file that does not load changes nothing: one error
//! line says what is wrong (file, line, key, message), and the next good
//! save recovers. A file that loads is compared with the settings in force,
//! setting by setting:
//!
//! - **Reloads**: the business information and default language, the
//!   booking policy (time zone included), the conversation expiry, the
//!   reminder offsets, and the whole `[admin]` section (allow-list, PIN,
//!   session length, staff chats). They reach the running engine and bots
//!   through shared handles ([`LiveSettings`]) that handlers read once per
//!   update, and are applied together after the one step that can refuse
//!   (the admin access check), so a reload is applied whole or not at all.
//! - **Restart**: Telegram timeouts, `[dispatch]`, `[backup]`, `[shutdown]`,
//!   and everything from the environment (tokens, database, Bot API
//!   address). A change is named in a
//!   warning and the running value stays; the warning repeats at each reload
//!   until the service restarts.
//! - **First start only**: the catalog (`[[staff]]`, `[[services]]`,
//!   `[[date_overrides]]`, and `business.currency`, which only prices use).
//!   The database holds the catalog after the first start and staff edit it
//!   in the admin bot; a change in the file is named in a warning.
//!
//! Only names of settings are logged, never values: some are personal data
//! (staff Telegram ids) or secrets.
//!
//! The file is watched through its directory, not the file itself: editors
//! save by writing a new file and renaming it over the old one, and
//! Kubernetes ConfigMaps swap a symlink, both of which end a watch on the
//! old file. Any change in the directory makes the reloader read the file;
//! it reloads only when the file's bytes changed, so a busy directory costs
//! a read, not a reload, and a broken file is reported once per save.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use adapter_telegram::admin::Access;
use adapter_telegram::notify::NoticeSettings;
use adapter_telegram::{BusinessInfo, ConversationStorage, Live, Locales};
use booking_domain::PolicySettings;
use booking_ports::{DispatchSettingsParts, Engine};
use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};
use tokio::sync::{mpsc, watch};

use crate::backups::BackupSchedule;
use crate::config::{self, BotToken, Environment, Settings, env};

/// Events closer together than this make one reload: an editor's save is
/// several file operations.
const DEBOUNCE: Duration = Duration::from_millis(500);

/// The handles through which a reload reaches the running service.
pub struct LiveSettings {
    pub engine: Arc<Engine>,
    pub locales: Arc<Locales>,
    pub business: Live<BusinessInfo>,
    /// Every bot's conversation storage (client, and admin when it runs).
    pub conversations: Vec<Arc<ConversationStorage>>,
    /// The admin bot's access gate; `None` when the admin bot does not run.
    pub admin_access: Option<Arc<Access>>,
    /// The notification sender's time zone and staff chats.
    pub notices: Live<NoticeSettings>,
}

impl std::fmt::Debug for LiveSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSettings")
            .field("admin_bot", &self.admin_access.is_some())
            .finish_non_exhaustive()
    }
}

/// What one reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// The file loaded. `applied` are in force now; `need_restart` changed
    /// in the file but keep their running values; `catalog_ignored` are
    /// catalog sections the database has taken over.
    Loaded {
        applied: Vec<&'static str>,
        need_restart: Vec<&'static str>,
        catalog_ignored: Vec<&'static str>,
    },
    /// The file did not load (the one-line error); nothing changed.
    Rejected { error: String },
}

/// The reloads so far, for whoever watches ([`Reloader::subscribe`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reloads {
    /// How many reloads were tried.
    pub count: u64,
    pub last: Option<ReloadOutcome>,
}

/// Reloads the config file into the running service.
pub struct Reloader<E> {
    environment: E,
    /// The settings the service runs with: reloadable ones as last applied,
    /// the others as at start.
    in_force: Settings,
    live: LiveSettings,
    /// The file as last read for a reload (`None`: not read yet).
    last_read: Option<Result<Vec<u8>, io::ErrorKind>>,
    reloads: watch::Sender<Reloads>,
}

impl<E> std::fmt::Debug for Reloader<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader")
            .field("config", &self.in_force.config_path)
            .field("live", &self.live)
            .finish_non_exhaustive()
    }
}

impl<E: Environment + Send + 'static> Reloader<E> {
    /// A reloader for a service started with `in_force`, reading the
    /// environment through `environment` as `config::load` did at start.
    pub fn new(in_force: Settings, environment: E, live: LiveSettings) -> Self {
        Self {
            environment,
            in_force,
            live,
            last_read: None,
            reloads: watch::Sender::new(Reloads::default()),
        }
    }

    /// The settings in force.
    pub fn in_force(&self) -> &Settings {
        &self.in_force
    }

    /// Every reload's outcome, as it happens.
    pub fn subscribe(&self) -> watch::Receiver<Reloads> {
        self.reloads.subscribe()
    }

    /// Loads the settings again and applies what can change at run time.
    pub fn reload(&mut self) -> ReloadOutcome {
        let outcome = match config::load(&self.environment) {
            Ok(new) => self.apply(new),
            Err(e) => {
                tracing::error!(
                    error = %e,
                    "the config file was not reloaded; the settings in force stay"
                );
                ReloadOutcome::Rejected {
                    error: e.to_string(),
                }
            }
        };
        self.reloads.send_modify(|reloads| {
            reloads.count += 1;
            reloads.last = Some(outcome.clone());
        });
        outcome
    }

    /// Reloads when the file's bytes differ from the last read (or it
    /// became unreadable, or readable again). Returns `None` when it did not.
    pub fn reload_if_changed(&mut self) -> Option<ReloadOutcome> {
        let read = std::fs::read(&self.in_force.config_path).map_err(|e| e.kind());
        if self.last_read.as_ref() == Some(&read) {
            return None;
        }
        self.last_read = Some(read);
        Some(self.reload())
    }

    fn apply(&mut self, new: Settings) -> ReloadOutcome {
        let changes = Changes::between(&self.in_force, &new);
        if !changes.applied.is_empty() {
            if let Err(refused) = self.apply_reloadable(new) {
                return refused;
            }
            tracing::info!(changed = %changes.applied.join(", "), "config file reloaded");
        }
        if !changes.need_restart.is_empty() {
            tracing::warn!(
                settings = %changes.need_restart.join(", "),
                "changed in the config file, but they take effect only after a restart; the running values stay"
            );
        }
        if !changes.catalog_ignored.is_empty() {
            tracing::warn!(
                sections = %changes.catalog_ignored.join(", "),
                "changed in the config file, but the catalog is read from the file on the first start only; \
                 the database's catalog stays (edit it in the admin bot)"
            );
        }
        if changes.is_empty() {
            tracing::info!("config file reloaded; no setting changed");
        }
        ReloadOutcome::Loaded {
            applied: changes.applied,
            need_restart: changes.need_restart,
            catalog_ignored: changes.catalog_ignored,
        }
    }

    /// Applies every reloadable setting of `new`: first the one step that
    /// can refuse, then the rest, which cannot fail, so it is all or nothing.
    fn apply_reloadable(&mut self, new: Settings) -> Result<(), ReloadOutcome> {
        // The rest of `new` needs a restart or belongs to the catalog.
        let Settings {
            business,
            default_language,
            policy,
            conversation_expiry,
            admin,
            engine,
            ..
        } = new;
        if let (Some(access), Some(admin)) = (&self.live.admin_access, &admin)
            && let Err(e) = access.set_config(admin.access.clone())
        {
            // `config::load` checks the same; kept for the type's own check.
            tracing::error!(error = %e, "the config file was not reloaded; the settings in force stay");
            return Err(ReloadOutcome::Rejected {
                error: format!("admin is invalid: {e}"),
            });
        }
        let live = &self.live;
        live.engine.set_policy(policy.clone());
        live.engine.set_settings(engine.clone());
        live.locales.set_default_language(default_language);
        live.business.set(business.clone());
        for conversations in &live.conversations {
            conversations.set_idle_expiry(conversation_expiry);
        }
        live.notices.set(NoticeSettings {
            time_zone: policy.time_zone(),
            staff_chats: admin
                .as_ref()
                .map(|a| a.staff_chats.clone())
                .unwrap_or_default(),
        });

        let in_force = &mut self.in_force;
        in_force.business = business;
        in_force.default_language = default_language;
        in_force.policy = policy;
        in_force.conversation_expiry = conversation_expiry;
        in_force.admin = admin;
        in_force.engine = engine;
        Ok(())
    }

    /// Starts reloading on every change of the file and on SIGHUP, until the
    /// task is aborted. The SIGHUP handler is installed before this returns,
    /// so from then on SIGHUP never ends the process. Aborting is safe: a
    /// reload runs between two awaits, never across one.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        let hangups = hangup_signals();
        let (changed, changes) = mpsc::channel(1);
        let watcher = watch_directory(&self.in_force.config_path, changed);
        tokio::spawn(self.run(hangups, changes, watcher))
    }

    async fn run(
        mut self,
        mut hangups: Option<Hangups>,
        mut changes: mpsc::Receiver<()>,
        // Dropping it stops watching.
        _watcher: Option<Debouncer<RecommendedWatcher>>,
    ) {
        loop {
            tokio::select! {
                Some(()) = changes.recv() => {
                    self.reload_if_changed();
                }
                Some(()) = next_hangup(&mut hangups) => {
                    tracing::info!("SIGHUP received; reloading the config file");
                    // Read now, so the watcher does not reload the same bytes.
                    self.last_read = Some(std::fs::read(&self.in_force.config_path).map_err(|e| e.kind()));
                    self.reload();
                }
                else => break,
            }
        }
    }
}

/// The directory holding `path` (the working directory for a bare name).
fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Watches the directory of `path`; each debounced batch of events sends
/// one `()` (dropped when one is already waiting: that reload reads the
/// file anyway). `None` when the system refuses a watch (e.g. the inotify
/// limit): SIGHUP still reloads.
fn watch_directory(
    path: &Path,
    changed: mpsc::Sender<()>,
) -> Option<Debouncer<RecommendedWatcher>> {
    let directory = directory_of(path);
    let handler = move |events: DebounceEventResult| match events {
        Ok(_) => {
            let _ = changed.try_send(());
        }
        Err(e) => tracing::warn!(error = %e, "watching the config file's directory failed"),
    };
    let watching = new_debouncer(DEBOUNCE, handler).and_then(|mut debouncer| {
        debouncer
            .watcher()
            .watch(&directory, RecursiveMode::NonRecursive)
            .map(|()| debouncer)
    });
    match watching {
        Ok(debouncer) => {
            tracing::info!(
                directory = %directory.display(),
                "watching the config file for changes (SIGHUP also reloads it)"
            );
            Some(debouncer)
        }
        Err(e) => {
            tracing::warn!(
                directory = %directory.display(),
                error = %e,
                "cannot watch the config file; reload it with SIGHUP"
            );
            None
        }
    }
}

#[cfg(unix)]
type Hangups = tokio::signal::unix::Signal;
#[cfg(not(unix))]
type Hangups = std::convert::Infallible;

/// SIGHUP, the Unix convention for "reload your configuration"
/// (`systemctl reload booking`).
fn hangup_signals() -> Option<Hangups> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::hangup()) {
            Ok(signals) => Some(signals),
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP; the config reloads only when the file changes");
                None
            }
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

async fn next_hangup(hangups: &mut Option<Hangups>) -> Option<()> {
    match hangups {
        #[cfg(unix)]
        Some(signals) => signals.recv().await,
        #[cfg(not(unix))]
        Some(never) => match *never {},
        None => std::future::pending().await,
    }
}

/// The names of the settings that differ between two loads, by how they
/// take effect.
#[derive(Debug, Default)]
struct Changes {
    applied: Vec<&'static str>,
    need_restart: Vec<&'static str>,
    catalog_ignored: Vec<&'static str>,
}

impl Changes {
    fn is_empty(&self) -> bool {
        self.applied.is_empty() && self.need_restart.is_empty() && self.catalog_ignored.is_empty()
    }

    fn reloads(&mut self, name: &'static str, changed: bool) {
        if changed {
            self.applied.push(name);
        }
    }

    fn restart(&mut self, name: &'static str, changed: bool) {
        if changed {
            self.need_restart.push(name);
        }
    }

    fn catalog(&mut self, name: &'static str, changed: bool) {
        if changed {
            self.catalog_ignored.push(name);
        }
    }

    fn between(old: &Settings, new: &Settings) -> Self {
        // Destructured without `..`: a setting added to `Settings` does not
        // compile here until it is classified below.
        let Settings {
            config_path,
            business,
            default_language,
            policy,
            catalog,
            conversation_expiry,
            telegram_timeouts,
            client_token,
            admin_token,
            admin,
            engine,
            dispatch,
            backups,
            shutdown_deadline,
            log,
            http,
            database_url,
            telegram_api_url,
        } = new;
        let mut c = Self::default();

        let b = &old.business;
        c.reloads("business.name", b.name != business.name);
        c.reloads("business.address", b.address != business.address);
        c.reloads("business.phone", b.phone != business.phone);
        c.reloads("business.email", b.email != business.email);
        c.reloads("business.website", b.website != business.website);
        c.reloads(
            "business.default_language",
            old.default_language != *default_language,
        );
        c.policy(old.policy.settings(), policy.settings());
        c.reloads(
            "telegram.conversation_expiry_minutes",
            old.conversation_expiry != *conversation_expiry,
        );
        c.reloads(
            "reminders.customer_offsets_minutes",
            old.engine.customer_reminders() != engine.customer_reminders(),
        );
        c.reloads(
            "reminders.staff_offset_minutes",
            old.engine.staff_reminder() != engine.staff_reminder(),
        );
        match (&old.admin, admin) {
            (Some(o), Some(n)) => {
                let (oa, na) = (&o.access, &n.access);
                c.reloads(
                    "admin.allowed_user_ids",
                    oa.allowed_users != na.allowed_users,
                );
                c.reloads("admin.pin_hash", oa.pin != na.pin);
                c.reloads(
                    "admin.session_hours",
                    oa.session_lifetime != na.session_lifetime,
                );
                c.reloads(
                    "admin.notify_chat_ids",
                    o.staff_chats.all != n.staff_chats.all,
                );
                c.reloads(
                    "admin.staff_telegram_ids",
                    oa.staff_members != na.staff_members
                        || o.staff_chats.by_staff != n.staff_chats.by_staff,
                );
            }
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => c.reloads("admin", true),
        }

        let (ot, nt) = (&old.telegram_timeouts, telegram_timeouts);
        c.restart("telegram.connect_timeout_seconds", ot.connect != nt.connect);
        c.restart("telegram.request_timeout_seconds", ot.request != nt.request);
        c.restart("telegram.polling_timeout_seconds", ot.polling != nt.polling);
        c.dispatch(old.dispatch.parts(), dispatch.parts());
        c.backups(old.backups.as_ref(), backups.as_ref());
        c.restart(
            "shutdown.deadline_seconds",
            old.shutdown_deadline != *shutdown_deadline,
        );
        // Logging is installed once, before anything else runs.
        c.restart("log", old.log != *log);
        c.restart("http.listen", old.http.listen != http.listen);
        c.restart(
            crate::http::settings::WEBHOOK_URL_VAR,
            old.http.webhook != http.webhook,
        );
        // The environment cannot change under a running process; compared
        // anyway, so a future source of settings cannot slip through.
        c.restart(env::CONFIG, old.config_path != *config_path);
        c.restart(
            env::CLIENT_BOT_TOKEN,
            old.client_token.expose() != client_token.expose(),
        );
        c.restart(
            env::ADMIN_BOT_TOKEN,
            old.admin_token.as_ref().map(BotToken::expose)
                != admin_token.as_ref().map(BotToken::expose),
        );
        c.restart(env::DATABASE_URL, old.database_url != *database_url);
        c.restart(
            env::TELEGRAM_API_URL,
            old.telegram_api_url != *telegram_api_url,
        );

        c.catalog("staff", old.catalog.staff != catalog.staff);
        c.catalog("services", old.catalog.services != catalog.services);
        c.catalog(
            "date_overrides",
            old.catalog.date_overrides != catalog.date_overrides,
        );
        c
    }

    fn policy(&mut self, old: &PolicySettings, new: &PolicySettings) {
        let PolicySettings {
            time_zone,
            slot_step,
            min_notice,
            horizon_days,
            cancellation_cutoff,
            reschedule_cutoff,
            max_active_bookings_per_customer,
            requires_confirmation,
            phone_region,
        } = new;
        self.reloads("business.time_zone", old.time_zone != *time_zone);
        self.reloads("policy.slot_step_minutes", old.slot_step != *slot_step);
        self.reloads("policy.min_notice_minutes", old.min_notice != *min_notice);
        self.reloads("policy.horizon_days", old.horizon_days != *horizon_days);
        self.reloads(
            "policy.cancellation_cutoff_minutes",
            old.cancellation_cutoff != *cancellation_cutoff,
        );
        self.reloads(
            "policy.reschedule_cutoff_minutes",
            old.reschedule_cutoff != *reschedule_cutoff,
        );
        self.reloads(
            "policy.max_active_bookings_per_customer",
            old.max_active_bookings_per_customer != *max_active_bookings_per_customer,
        );
        self.reloads(
            "policy.requires_confirmation",
            old.requires_confirmation != *requires_confirmation,
        );
        self.reloads("policy.phone_region", old.phone_region != *phone_region);
    }

    fn backups(&mut self, old: Option<&BackupSchedule>, new: Option<&BackupSchedule>) {
        match (old, new) {
            (Some(old), Some(new)) => {
                let BackupSchedule {
                    directory,
                    interval,
                    keep,
                } = new;
                self.restart("backup.directory", old.directory != *directory);
                self.restart("backup.interval_hours", old.interval != *interval);
                self.restart("backup.keep", old.keep != *keep);
            }
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => self.restart("backup.enabled", true),
        }
    }

    fn dispatch(&mut self, old: &DispatchSettingsParts, new: &DispatchSettingsParts) {
        let DispatchSettingsParts {
            batch_size,
            concurrency,
            per_chat_interval,
            per_bot_per_second,
            first_retry,
            max_retry_delay,
            max_attempts,
            poll_interval,
        } = new;
        self.restart("dispatch.batch_size", old.batch_size != *batch_size);
        self.restart("dispatch.concurrency", old.concurrency != *concurrency);
        self.restart(
            "dispatch.per_chat_interval_ms",
            old.per_chat_interval != *per_chat_interval,
        );
        self.restart(
            "dispatch.per_bot_per_second",
            old.per_bot_per_second != *per_bot_per_second,
        );
        self.restart(
            "dispatch.first_retry_seconds",
            old.first_retry != *first_retry,
        );
        self.restart(
            "dispatch.max_retry_delay_seconds",
            old.max_retry_delay != *max_retry_delay,
        );
        self.restart("dispatch.max_attempts", old.max_attempts != *max_attempts);
        self.restart(
            "dispatch.poll_interval_seconds",
            old.poll_interval != *poll_interval,
        );
    }
}

#[cfg(test)]
mod tests;

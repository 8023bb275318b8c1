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
//!   session length, staff chats). A reload computes them as one immutable
//!   value, [`Reloadable`], from the loaded settings, and applies it in one
//!   step ([`LiveSettings::apply`]) to the shared handles the engine and
//!   bots read once per update: the one check that can refuse (the admin
//!   access) first, then the rest, which cannot fail, so a reload is
//!   applied whole or not at all.
//! - **Restart**: Telegram timeouts, `[dispatch]`, `[backup]`, `[shutdown]`,
//!   and everything from the environment (tokens, database, Bot API
//!   address). A change is named in a
//!   warning and the running value stays; the warning repeats at each reload
//!   until the service restarts.
//! - **First start only**: the catalog (`[[staff]]`, `[[services]]`,
//!   `[[date_overrides]]`, and `business.currency`, which only prices use).
//!   Each setting's class is decided in `reload/changes.rs`.
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
use std::time::Duration;

use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};
use tokio::sync::{mpsc, watch};

use crate::config::{self, Environment, Settings};

mod changes;
mod live;

use changes::Changes;
pub use live::{LiveSettings, Reloadable};

/// Events closer together than this make one reload: an editor's save is
/// several file operations.
const DEBOUNCE: Duration = Duration::from_millis(500);

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
            if let Err(refused) = self.apply_reloadable(&new) {
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

    /// Computes the snapshot of `new`'s reloadable settings, applies it in
    /// one step (all or nothing), and keeps it as the settings in force.
    fn apply_reloadable(&mut self, new: &Settings) -> Result<(), ReloadOutcome> {
        let snapshot = Reloadable::of(new);
        if let Err(e) = self.live.apply(&snapshot) {
            // `config::load` checks the same; kept for the type's own check.
            tracing::error!(error = %e, "the config file was not reloaded; the settings in force stay");
            return Err(ReloadOutcome::Rejected {
                error: format!("admin is invalid: {e}"),
            });
        }
        self.in_force = snapshot.over(&self.in_force);
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

#[cfg(test)]
mod tests;

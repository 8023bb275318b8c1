//! Which settings differ between two loads, by how they take effect: at
//! once (reloads), at the next start (restart), or never once the database
//! holds the catalog (catalog). `Settings` is destructured without `..`, so
//! a setting added to it does not compile here until it is classified.

use std::path::PathBuf;

use adapter_telegram::BusinessInfo;
use booking_domain::PolicySettings;
use booking_ports::DispatchSettingsParts;

use crate::backups::BackupSchedule;
use crate::config::{AdminSettings, BotToken, Settings, TelegramTimeouts, env};
use crate::database::{DatabaseSettings, StoreSettings};

/// The names of the settings that differ between two loads, by how they
/// take effect.
#[derive(Debug, Default)]
pub(super) struct Changes {
    pub(super) applied: Vec<&'static str>,
    pub(super) need_restart: Vec<&'static str>,
    pub(super) catalog_ignored: Vec<&'static str>,
}

impl Changes {
    pub(super) fn is_empty(&self) -> bool {
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

    pub(super) fn between(old: &Settings, new: &Settings) -> Self {
        // Destructured without `..`: a setting added to `Settings` does not
        // compile here until it is classified below.
        let Settings {
            config_path,
            business,
            currency,
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
            miniapp,
            log,
            http,
            database,
            telegram_api_url,
        } = new;
        let mut c = Self::default();

        c.business(&old.business, business);
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
        let (was, now) = (old.engine.lifecycle(), engine.lifecycle());
        c.reloads(
            "lifecycle.pending_expiry_minutes",
            was.pending_expiry() != now.pending_expiry(),
        );
        c.reloads(
            "lifecycle.confirmation_reminder_minutes",
            was.confirmation_reminder() != now.confirmation_reminder(),
        );
        c.reloads(
            "lifecycle.complete_after_minutes",
            was.complete_after() != now.complete_after(),
        );
        c.admin(old.admin.as_ref(), admin.as_ref());

        c.telegram_timeouts(&old.telegram_timeouts, telegram_timeouts);
        c.dispatch(old.dispatch.parts(), dispatch.parts());
        c.backups(old.backups.as_ref(), backups.as_ref());
        c.restart(
            "shutdown.deadline_seconds",
            old.shutdown_deadline != *shutdown_deadline,
        );
        // Logging is installed once, before anything else runs.
        c.restart("log", old.log != *log);
        c.restart("http.listen", old.http.listen != http.listen);
        c.restart("miniapp", old.miniapp != *miniapp);
        c.restart(
            crate::http::settings::WEBHOOK_URL_VAR,
            old.http.webhook != http.webhook,
        );
        c.environment(old, (config_path, client_token, admin_token));
        c.database(&old.database, database);
        c.restart(
            env::TELEGRAM_API_URL,
            old.telegram_api_url != *telegram_api_url,
        );

        c.catalog("business.currency", old.currency != *currency);
        c.catalog("staff", old.catalog.staff != catalog.staff);
        c.catalog("services", old.catalog.services != catalog.services);
        c.catalog(
            "date_overrides",
            old.catalog.date_overrides != catalog.date_overrides,
        );
        c
    }

    fn business(&mut self, old: &BusinessInfo, new: &BusinessInfo) {
        let BusinessInfo {
            name,
            address,
            phone,
            email,
            website,
        } = new;
        self.reloads("business.name", old.name != *name);
        self.reloads("business.address", old.address != *address);
        self.reloads("business.phone", old.phone != *phone);
        self.reloads("business.email", old.email != *email);
        self.reloads("business.website", old.website != *website);
    }

    fn admin(&mut self, old: Option<&AdminSettings>, new: Option<&AdminSettings>) {
        match (old, new) {
            (Some(o), Some(n)) => {
                let (oa, na) = (&o.access, &n.access);
                self.reloads(
                    "admin.allowed_user_ids",
                    oa.allowed_users != na.allowed_users,
                );
                self.reloads("admin.pin_hash", oa.pin != na.pin);
                self.reloads(
                    "admin.session_hours",
                    oa.session_lifetime != na.session_lifetime,
                );
                self.reloads(
                    "admin.notify_chat_ids",
                    o.staff_chats.all != n.staff_chats.all,
                );
                self.reloads(
                    "admin.staff_telegram_ids",
                    oa.staff_members != na.staff_members
                        || o.staff_chats.by_staff != n.staff_chats.by_staff,
                );
            }
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => self.reloads("admin", true),
        }
    }

    fn telegram_timeouts(&mut self, old: &TelegramTimeouts, new: &TelegramTimeouts) {
        let TelegramTimeouts {
            connect,
            request,
            polling,
        } = new;
        self.restart("telegram.connect_timeout_seconds", old.connect != *connect);
        self.restart("telegram.request_timeout_seconds", old.request != *request);
        self.restart("telegram.polling_timeout_seconds", old.polling != *polling);
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

    /// The environment cannot change under a running process; compared
    /// anyway, so a future source of settings cannot slip through.
    fn environment(
        &mut self,
        old: &Settings,
        (config_path, client_token, admin_token): (&PathBuf, &BotToken, &Option<BotToken>),
    ) {
        self.restart(env::CONFIG, old.config_path != *config_path);
        self.restart(
            env::CLIENT_BOT_TOKEN,
            old.client_token.expose() != client_token.expose(),
        );
        self.restart(
            env::ADMIN_BOT_TOKEN,
            old.admin_token.as_ref().map(BotToken::expose)
                != admin_token.as_ref().map(BotToken::expose),
        );
    }

    fn database(&mut self, old: &DatabaseSettings, new: &DatabaseSettings) {
        self.restart(env::DATABASE_URL, !old.same_database(new));
        self.restart(env::DATABASE_POOL_SIZE, old.pool_size() != new.pool_size());
        if let (StoreSettings::Sqlite(o), StoreSettings::Sqlite(n)) = (old.store(), new.store()) {
            self.restart(env::DATABASE_DURABILITY, o.durability != n.durability);
            self.restart(env::DATABASE_BUSY_TIMEOUT, o.busy_timeout != n.busy_timeout);
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
            claim_lease,
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
        self.restart(
            "dispatch.claim_lease_seconds",
            old.claim_lease != *claim_lease,
        );
    }
}
